using ChatBot.Core;
using Xunit;

namespace ChatBot.Core.Tests;

public sealed class SearchQueryTests
{
    [Theory]
    [InlineData("creme brulee", "Crème BRÛLÉE for dessert")]
    [InlineData("CAFÉ", "the cafe")]
    [InlineData("straße", "STRASSE or straße")]
    [InlineData("ελλαδα", "Ελλάδα")]
    [InlineData("lisb", "Trip to Lisbon's old town")]
    public void FindIn_MatchesWordStarts_IgnoringCaseAndAccents(string query, string text)
    {
        Assert.NotNull(SearchQuery.Parse(query)!.FindIn(text));
    }

    [Theory]
    [InlineData("isbon", "Lisbon")]
    [InlineData("lisbon porto", "Lisbon only")]
    public void FindIn_NeedsEveryWord_AtTheStartOfAWord(string query, string text)
    {
        Assert.Null(SearchQuery.Parse(query)!.FindIn(text));
    }

    [Fact]
    public void FindIn_MarksEachMatch_InTheOriginalText_AroundTheFirstMatch()
    {
        var text = string.Concat(Enumerable.Repeat("filler words here ", 20)) + "the Café opens at nine, said the café owner";

        var snippet = SearchQuery.Parse("cafe")!.FindIn(text)!;

        Assert.StartsWith("…", snippet.Text, StringComparison.Ordinal);
        Assert.Equal(["Café", "café"], snippet.Highlights.Select(h => snippet.Text.Substring(h.Start, h.Length)));
        Assert.True(snippet.Text.Length < 200);
    }

    [Theory]
    [InlineData("   ")]
    [InlineData("?! -- …")]
    public void Parse_WithoutWords_IsNull(string query)
    {
        Assert.Null(SearchQuery.Parse(query));
    }
}
