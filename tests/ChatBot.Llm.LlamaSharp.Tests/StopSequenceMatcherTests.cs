using ChatBot.Llm.LlamaSharp;
using FsCheck;
using FsCheck.Xunit;

namespace ChatBot.Llm.LlamaSharp.Tests;

public sealed class StopSequenceMatcherTests
{
    // Pieces and stops use a two-letter alphabet so stop sequences actually occur, often split across pieces.
    [Property(MaxTest = 300)]
    public void Push_OverAnySplitOfTheText_SendsExactlyTheTextBeforeTheFirstCompletedStopSequence(NonNull<string>[] pieces, NonEmptyString stop1, NonEmptyString stop2)
    {
        var texts = pieces.Select(p => TwoLetters(p.Get)).ToList();
        string[] stops = [TwoLetters(stop1.Get)[..Math.Min(3, stop1.Get.Length)], TwoLetters(stop2.Get)[..Math.Min(4, stop2.Get.Length)]];
        var matcher = new StopSequenceMatcher(stops);

        var sent = string.Concat(texts.Select(matcher.Push)) + (matcher.Stopped ? "" : matcher.Flush());

        // Reference: the whole text at once, cut where generation would stop, at the first completed stop sequence.
        var full = string.Concat(texts);
        var firstStop = stops
            .Select(s => (Start: full.IndexOf(s, StringComparison.Ordinal), End: full.IndexOf(s, StringComparison.Ordinal) + s.Length))
            .Where(m => m.Start >= 0)
            .OrderBy(m => m.End).ThenBy(m => m.Start)
            .Select(m => (int?)m.Start)
            .FirstOrDefault();
        Assert.Equal(firstStop is { } cut ? full[..cut] : full, sent);
        Assert.Equal(firstStop is not null, matcher.Stopped);
    }

    [Fact]
    public void Push_WhenAShortStopCompletesInsideALongerOne_StopsAtTheShortOne()
    {
        var matcher = new StopSequenceMatcher(["a", "bab"]);

        Assert.Equal("b", matcher.Push("bab"));
        Assert.True(matcher.Stopped);
    }

    [Fact]
    public void Push_HoldsBackAPossibleStartOfAStopSequence_UntilTheNextPieceDecides()
    {
        var matcher = new StopSequenceMatcher(["\nUser:"]);

        Assert.Equal("Hi", matcher.Push("Hi\nUs"));
        Assert.Equal("\nUsual", matcher.Push("ual"));
        Assert.Equal("", matcher.Push("\nUser: more"));
        Assert.True(matcher.Stopped);
    }

    private static string TwoLetters(string text) => new(text.Select(c => c % 2 == 0 ? 'a' : 'b').ToArray());
}
