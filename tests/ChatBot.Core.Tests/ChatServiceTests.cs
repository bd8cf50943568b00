using ChatBot.Cache.Memory;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit;

namespace ChatBot.Core.Tests;

public sealed class ChatServiceTests : IDisposable
{
    private const string User = "alice";
    private readonly RecordingStore _store = new();
    private readonly InProcessContextCache _cache = new(Options.Create(new ContextCacheOptions()));

    public void Dispose() => _cache.Dispose();

    private ChatService CreateService(ScriptedChatClient model, ChatServiceOptions? options = null) =>
        new(_store, _cache, model, Options.Create(options ?? new ChatServiceOptions()), TimeProvider.System, NullLogger<ChatService>.Instance);

    private static async Task<List<TurnUpdate>> RunAsync(TurnStart start, CancellationToken cancellationToken = default)
    {
        var started = Assert.IsType<TurnStart.Started>(start);
        var updates = new List<TurnUpdate>();
        await foreach (var update in started.Turn.StreamAsync(cancellationToken).WithCancellation(CancellationToken.None))
        {
            updates.Add(update);
        }

        return updates;
    }

    [Fact]
    public async Task SendMessage_StreamsDeltasThenStoresCompleteAnswerWithUsage()
    {
        var chat = CreateService(new ScriptedChatClient("Hel", "lo", "!") { InputTokens = 7 });
        var conversation = await chat.CreateConversationAsync(User, null, TestContext.Current.CancellationToken);

        var updates = await RunAsync(await chat.StartTurnAsync(User, conversation.Id, "Hi there", null, TestContext.Current.CancellationToken));

        Assert.Equal(["Hel", "lo", "!"], updates.OfType<TurnUpdate.Delta>().Select(d => d.Text));
        var answer = Assert.IsType<TurnUpdate.Completed>(updates[^1]).Answer;
        Assert.Equal(("Hello!", MessageStatus.Complete), (answer.Content, answer.Status));
        Assert.Equal(new TokenUsage(7, 3), answer.Usage);
        Assert.Equal(["Hi there", "Hello!"], _store.Messages.Select(m => m.Content));
        Assert.Equal(_store.Messages[0].Id, answer.ReplyTo);
    }

    [Fact]
    public async Task SendMessage_FirstMessage_BecomesTheDefaultTitle()
    {
        var chat = CreateService(new ScriptedChatClient("ok"));
        var conversation = await chat.CreateConversationAsync(User, null, TestContext.Current.CancellationToken);

        await RunAsync(await chat.StartTurnAsync(User, conversation.Id, "Plan a trip to Lisbon\nwith kids", null, TestContext.Current.CancellationToken));

        Assert.Equal("Plan a trip to Lisbon", _store.Get(conversation.Id).Title);
    }

    [Fact]
    public async Task SendMessage_WhenModelFailsMidStream_KeepsUserMessageAndPartialAnswer()
    {
        var failure = new ModelException(ModelErrorKind.Unavailable, "down");
        var chat = CreateService(new ScriptedChatClient("Part", "ial", "never") { FailAfter = 2, Failure = failure });
        var conversation = await chat.CreateConversationAsync(User, null, TestContext.Current.CancellationToken);

        var updates = await RunAsync(await chat.StartTurnAsync(User, conversation.Id, "Hi", null, TestContext.Current.CancellationToken));

        var failed = Assert.IsType<TurnUpdate.Failed>(updates[^1]);
        Assert.Same(failure, failed.Error);
        Assert.Equal(("Partial", MessageStatus.Failed), (failed.Answer.Content, failed.Answer.Status));
        Assert.Equal(["Hi", "Partial"], _store.Messages.Select(m => m.Content));
    }

    [Fact]
    public async Task SendMessage_WhenCallerCancelsMidStream_StoresPartialAnswerAsStopped()
    {
        var model = new ScriptedChatClient("First", "never") { StallAfterFirstPiece = true };
        var chat = CreateService(model);
        var conversation = await chat.CreateConversationAsync(User, null, TestContext.Current.CancellationToken);
        using var stop = new CancellationTokenSource();

        var start = await chat.StartTurnAsync(User, conversation.Id, "Hi", null, TestContext.Current.CancellationToken);
        var run = RunAsync(start, stop.Token);
        await model.FirstPieceSent.Task;
        await stop.CancelAsync();
        var updates = await run;

        var answer = Assert.IsType<TurnUpdate.Completed>(updates[^1]).Answer;
        Assert.Equal(("First", MessageStatus.Stopped), (answer.Content, answer.Status));
        Assert.Contains(_store.Messages, m => m.Status == MessageStatus.Stopped);
    }

    [Fact]
    public async Task SendMessage_RepeatedClientMessageId_ReplaysWithoutCallingTheModel()
    {
        var model = new ScriptedChatClient("Once");
        var chat = CreateService(model);
        var conversation = await chat.CreateConversationAsync(User, null, TestContext.Current.CancellationToken);
        await RunAsync(await chat.StartTurnAsync(User, conversation.Id, "Hi", "client-1", TestContext.Current.CancellationToken));

        var again = await chat.StartTurnAsync(User, conversation.Id, "Hi", "client-1", TestContext.Current.CancellationToken);

        var replay = Assert.IsType<TurnStart.Replayed>(again);
        Assert.Equal("Once", replay.Answer.Content);
        Assert.Single(model.Prompts);
        Assert.Equal(2, _store.Messages.Count);
    }

    [Fact]
    public async Task SendMessage_SecondTurn_ReadsContextFromCacheNotStore()
    {
        var chat = CreateService(new ScriptedChatClient("a"));
        var conversation = await chat.CreateConversationAsync(User, null, TestContext.Current.CancellationToken);
        await RunAsync(await chat.StartTurnAsync(User, conversation.Id, "one", null, TestContext.Current.CancellationToken));
        var readsAfterFirstTurn = _store.Reads;

        await RunAsync(await chat.StartTurnAsync(User, conversation.Id, "two", null, TestContext.Current.CancellationToken));

        Assert.Equal(1, readsAfterFirstTurn);
        Assert.Equal(1, _store.Reads);
    }

    [Fact]
    public async Task SendMessage_SendsSystemPromptHistoryAndNewMessageInOrder()
    {
        var model = new ScriptedChatClient("reply");
        var chat = CreateService(model, new ChatServiceOptions { SystemPrompt = "Be brief.", HistoryMessages = 2 });
        var conversation = await chat.CreateConversationAsync(User, null, TestContext.Current.CancellationToken);
        await RunAsync(await chat.StartTurnAsync(User, conversation.Id, "one", null, TestContext.Current.CancellationToken));
        await RunAsync(await chat.StartTurnAsync(User, conversation.Id, "two", null, TestContext.Current.CancellationToken));

        var prompt = model.Prompts[^1];

        Assert.Equal(["Be brief.", "one", "reply", "two"], prompt.Select(m => m.Text));
        Assert.Equal(["system", "user", "assistant", "user"], prompt.Select(m => m.Role.Value));
    }

    [Fact]
    public async Task SendMessage_ToAnotherUsersConversation_IsNotFound()
    {
        var chat = CreateService(new ScriptedChatClient("x"));
        var conversation = await chat.CreateConversationAsync(User, null, TestContext.Current.CancellationToken);

        var start = await chat.StartTurnAsync("mallory", conversation.Id, "hi", null, TestContext.Current.CancellationToken);

        Assert.IsType<TurnStart.NotFound>(start);
        Assert.Empty(_store.Messages);
    }
}
