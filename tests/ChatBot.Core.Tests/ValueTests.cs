using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace ChatBot.Core.Tests;

public sealed class IdsTests
{
    [Fact]
    public void New_WithinOneMillisecond_IsStrictlyIncreasingAndValid()
    {
        var now = DateTimeOffset.UtcNow;
        var ids = Enumerable.Range(0, 1000).Select(_ => Ids.New(now)).ToArray();

        Assert.All(ids, id => Assert.True(Ids.IsValid(id)));
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
        Assert.Equal(ids.Length, ids.Distinct().Count());
    }

    [Theory]
    [InlineData("")]
    [InlineData("0193a7c4e1b27c3f9e2d4a5b6c7d8e9")]
    [InlineData("0193A7C4E1B27C3F9E2D4A5B6C7D8E9F")]
    [InlineData("0193a7c4-e1b2-7c3f-9e2d-4a5b6c7d")]
    [InlineData("../../etc/passwd0000000000000000")]
    public void IsValid_RejectsMalformedIds(string id) => Assert.False(Ids.IsValid(id));
}

public sealed class TitlesTests
{
    [Theory]
    [InlineData("\u0007\u001B[31mred\u202Egnp.exe\r\nX-Injected: 1", "[31mredgnp.exe X-Injected: 1")]
    [InlineData("a\u200Bb\u2060c\uFEFFd\u200Ee\u2066f\u2069", "abcdef")]
    [InlineData("  two\t\tcolumns\u2028next  ", "two columns next")]
    [InlineData("\u0000\u0001", "")]
    [InlineData("family 👨\u200D👩\u200D👧 and می\u200Cخواهم", "family 👨\u200D👩\u200D👧 and می\u200Cخواهم")]
    public void Clean_KeepsOneLineOfVisibleText(string title, string expected)
    {
        Assert.Equal(expected, Titles.Clean(title));
    }

    [Fact]
    public void Clean_DropsUnpairedSurrogates()
    {
        Assert.Equal("lone surrogate", Titles.Clean("lone " + (char)0xD800 + " surrogate" + (char)0xDC00));
    }

    [Fact]
    public void FromFirstMessage_IsCleanedToo()
    {
        Assert.Equal("evil.exe", Titles.FromFirstMessage("\u202Eevil.exe\u0007"));
    }

    [Fact]
    public void FromFirstMessage_TakesTheFirstLine() =>
        Assert.Equal("Hello there", Titles.FromFirstMessage("  Hello there\nsecond line"));

    [Fact]
    public void FromFirstMessage_CutsLongTextAtAWordBoundary()
    {
        var title = Titles.FromFirstMessage(string.Join(' ', Enumerable.Repeat("word", 40)));

        Assert.EndsWith("word…", title);
        Assert.True(title.Length <= 61);
    }

    [FsCheck.Xunit.Property]
    public Property FromFirstMessage_NeverSplitsASurrogatePair(NonEmptyString text)
    {
        var title = Titles.FromFirstMessage(text.Get + string.Concat(Enumerable.Repeat("😀", 40)));
        return (!title.Any(char.IsHighSurrogate) || title.Zip(title.Skip(1)).All(p => !char.IsHighSurrogate(p.First) || char.IsLowSurrogate(p.Second))).ToProperty();
    }
}

public sealed class ContextBoundsTests
{
    private static ConversationContext Context(params string[] contents)
    {
        var conversation = new Conversation("c", "u", null, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
        return new ConversationContext(conversation, contents.Select((c, i) =>
            new ConversationMessage(i.ToString(), "c", MessageRole.User, c, DateTimeOffset.UnixEpoch, MessageStatus.Complete)).ToArray());
    }

    [Fact]
    public void Apply_KeepsTheNewestMessagesWithinTheCount() =>
        Assert.Equal(["c", "d"], ContextBounds.Apply(Context("a", "b", "c", "d"), maxMessages: 2, maxChars: 100).Messages.Select(m => m.Content));

    [Fact]
    public void Apply_DropsWholeOldMessagesToFitTheCharacterBudget() =>
        Assert.Equal(["ccc", "dd"], ContextBounds.Apply(Context("aaaa", "bbbbb", "ccc", "dd"), maxMessages: 10, maxChars: 6).Messages.Select(m => m.Content));
}
