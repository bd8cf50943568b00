using ChatBot.Core;
using Xunit;
using static ChatBot.Adapters.Tests.Contracts.TestData;

namespace ChatBot.Adapters.Tests.Contracts;

/// <summary>
/// What every <see cref="IContextCache"/> must do. Each implementation runs it through a subclass that builds a cache with the
/// given bounds; tests use fresh users, so caches may share one server.
/// </summary>
public abstract partial class ContextCacheContract
{
    protected const int MaxMessages = 6;
    protected const int MaxChars = 2048;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A cache with these bounds. The subclass disposes what it creates.</summary>
    protected abstract IContextCache CreateCache(ContextCacheOptions options);

    protected IContextCache CreateCache(TimeSpan? ttl = null) =>
        CreateCache(new ContextCacheOptions { MaxMessages = MaxMessages, MaxCharsPerConversation = MaxChars, Ttl = ttl ?? TimeSpan.FromMinutes(5) });

    [Fact]
    public async Task Get_WhenNothingCached_Misses()
    {
        var cache = CreateCache();

        Assert.Null(await cache.GetAsync(NewUser(), Ids.New(Now()), Ct));
    }

    [Fact]
    public async Task Set_ThenGet_ReturnsTheSameContext()
    {
        var cache = CreateCache();
        var (user, context) = NewContext(messages: 3);

        await cache.SetAsync(user, context, Ct);

        AssertSame(context, await cache.GetAsync(user, context.Conversation.Id, Ct));
    }

    [Fact]
    public async Task Set_WithNoMessages_IsStillAHit()
    {
        var cache = CreateCache();
        var (user, context) = NewContext(messages: 0);

        await cache.SetAsync(user, context, Ct);

        AssertSame(context, await cache.GetAsync(user, context.Conversation.Id, Ct));
    }

    [Fact]
    public async Task Set_KeepsOnlyTheNewestMessagesWithinBounds()
    {
        var cache = CreateCache();
        var (user, context) = NewContext(messages: MaxMessages + 4);

        await cache.SetAsync(user, context, Ct);

        AssertSame(ContextBounds.Apply(context, MaxMessages, MaxChars), await cache.GetAsync(user, context.Conversation.Id, Ct));
        Assert.Equal(MaxMessages, (await cache.GetAsync(user, context.Conversation.Id, Ct))!.Messages.Count);
    }

    [Fact]
    public async Task Append_AddsTheTurnAndKeepsTheNewestMessagesWithinBounds()
    {
        var cache = CreateCache();
        var (user, context) = NewContext(messages: 4);
        await cache.SetAsync(user, context, Ct);
        var messages = context.Messages.ToList();
        var conversation = context.Conversation;

        for (var turn = 0; turn < 3; turn++)
        {
            var question = UserMessage(conversation.Id, $"turn {turn}");
            var answer = Answer(question, $"answer {turn}");
            conversation = conversation with { UpdatedAt = Now() };
            await cache.AppendAsync(user, conversation, [question, answer], Ct);
            messages.AddRange([question, answer]);
        }

        var cached = await cache.GetAsync(user, conversation.Id, Ct);
        AssertSame(new ConversationContext(conversation, messages[^MaxMessages..]), cached);
    }

    [Fact]
    public async Task Append_KeepsNoMoreCharactersThanTheBound_DroppingTheOldestFirst()
    {
        var cache = CreateCache();
        var (user, context) = NewContext(messages: 1);
        await cache.SetAsync(user, context, Ct);
        var big = UserMessage(context.Conversation.Id, new string('a', MaxChars / 2));
        var bigger = Answer(big, new string('b', MaxChars / 2 + 1));

        await cache.AppendAsync(user, context.Conversation, [big, bigger], Ct);

        // All three would be over the bound, and so would the last two: only the newest fits.
        var expected = ContextBounds.Apply(context with { Messages = [.. context.Messages, big, bigger] }, MaxMessages, MaxChars);
        AssertSame(expected, await cache.GetAsync(user, context.Conversation.Id, Ct));
        Assert.Equal([bigger], expected.Messages);
    }

    [Fact]
    public async Task Append_WhenNotCached_DoesNothing()
    {
        var cache = CreateCache();
        var (user, context) = NewContext(messages: 2);

        await cache.AppendAsync(user, context.Conversation, context.Messages, Ct);

        Assert.Null(await cache.GetAsync(user, context.Conversation.Id, Ct));
    }

    [Fact]
    public async Task Append_KeepsATitleTheEntryHas_AndNeverMovesActivityBack()
    {
        var cache = CreateCache();
        var (user, context) = NewContext(messages: 0, title: null);
        await cache.SetAsync(user, context with { Conversation = context.Conversation with { Title = "Renamed", UpdatedAt = Now() } }, Ct);
        var renamedAt = (await cache.GetAsync(user, context.Conversation.Id, Ct))!.Conversation.UpdatedAt;

        // This turn started before the rename: it carries the default title and an earlier time.
        var stale = context.Conversation with { Title = "Default title", UpdatedAt = renamedAt.AddSeconds(-1) };
        await cache.AppendAsync(user, stale, [UserMessage(context.Conversation.Id, "hi")], Ct);

        var cached = (await cache.GetAsync(user, context.Conversation.Id, Ct))!.Conversation;
        Assert.Equal("Renamed", cached.Title);
        Assert.Equal(renamedAt, cached.UpdatedAt);
    }

    [Fact]
    public async Task Append_OnAnEntryWithoutTitle_TakesTheTurnsTitle()
    {
        var cache = CreateCache();
        var (user, context) = NewContext(messages: 0, title: null);
        await cache.SetAsync(user, context, Ct);
        var updated = context.Conversation with { Title = "First words", UpdatedAt = Now() };

        await cache.AppendAsync(user, updated, [UserMessage(context.Conversation.Id, "First words")], Ct);

        Assert.Equal(updated, (await cache.GetAsync(user, context.Conversation.Id, Ct))!.Conversation);
    }

    [Fact]
    public async Task Invalidate_DropsTheEntry()
    {
        var cache = CreateCache();
        var (user, context) = NewContext(messages: 2);
        await cache.SetAsync(user, context, Ct);

        await cache.InvalidateAsync(user, context.Conversation.Id, Ct);

        Assert.Null(await cache.GetAsync(user, context.Conversation.Id, Ct));
    }

    [Fact]
    public async Task Entries_AreScopedToTheirUser()
    {
        var cache = CreateCache();
        var (owner, context) = NewContext(messages: 2);
        var other = NewUser();
        await cache.SetAsync(owner, context, Ct);

        Assert.Null(await cache.GetAsync(other, context.Conversation.Id, Ct));
        await cache.AppendAsync(other, context.Conversation, [UserMessage(context.Conversation.Id, "not yours")], Ct);
        await cache.InvalidateAsync(other, context.Conversation.Id, Ct);

        AssertSame(context, await cache.GetAsync(owner, context.Conversation.Id, Ct));
        Assert.Null(await cache.GetAsync(other, context.Conversation.Id, Ct));
    }

    [Fact]
    public async Task Entries_ExpireAfterTheTtl()
    {
        var cache = CreateCache(TimeSpan.FromMilliseconds(300));
        var (user, context) = NewContext(messages: 1);
        await cache.SetAsync(user, context, Ct);

        await Task.Delay(TimeSpan.FromSeconds(1), Ct);

        Assert.Null(await cache.GetAsync(user, context.Conversation.Id, Ct));
    }

    [Fact]
    public async Task Append_FromOverlappingTurns_LosesNoMessage()
    {
        var cache = CreateCache(new ContextCacheOptions { MaxMessages = 200, MaxCharsPerConversation = 1 << 20, Ttl = TimeSpan.FromMinutes(5) });
        var (user, context) = NewContext(messages: 0);
        await cache.SetAsync(user, context, Ct);
        var turns = Enumerable.Range(0, 40).Select(i => UserMessage(context.Conversation.Id, $"turn {i}")).ToList();

        await Parallel.ForEachAsync(turns, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (message, ct) =>
            await cache.AppendAsync(user, context.Conversation with { UpdatedAt = message.CreatedAt }, [message], ct));

        var cached = (await cache.GetAsync(user, context.Conversation.Id, Ct))!;
        Assert.Equal(turns.Select(m => m.Id).Order(), cached.Messages.Select(m => m.Id).Order());
        Assert.Equal(turns.Max(m => m.CreatedAt), cached.Conversation.UpdatedAt);
    }

    [Fact]
    public async Task Content_OfEveryKind_RoundTrips()
    {
        var cache = CreateCache(new ContextCacheOptions { MaxMessages = 200, MaxCharsPerConversation = 1 << 20, Ttl = TimeSpan.FromMinutes(5) });
        var (user, context) = NewContext(messages: 0, title: "عنوان 👋\0 title");
        var contents = FsCheck.Fluent.Gen.Sample(Content().Generator, 30).Append(new string('x', 16 * 1024)).ToList();
        var messages = contents.Select(content => UserMessage(context.Conversation.Id, content, clientMessageId: "c\0" + content.Length)).ToList();

        await cache.SetAsync(user, context with { Messages = messages }, Ct);

        AssertSame(context with { Messages = messages }, await cache.GetAsync(user, context.Conversation.Id, Ct));
    }

    protected static (string User, ConversationContext Context) NewContext(int messages, string? title = "Cached")
    {
        var user = NewUser();
        var conversation = NewConversation(user, title);
        var list = new List<ConversationMessage>();
        for (var i = 0; i < messages; i++)
        {
            list.Add(i % 2 == 0 ? UserMessage(conversation.Id, $"question {i}", $"client-{i}") : Answer(list[^1], $"answer {i}"));
        }

        return (user, new ConversationContext(conversation, list));
    }

    protected static void AssertSame(ConversationContext expected, ConversationContext? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Conversation, actual.Conversation);
        Assert.Equal(expected.Messages, actual.Messages);
    }
}
