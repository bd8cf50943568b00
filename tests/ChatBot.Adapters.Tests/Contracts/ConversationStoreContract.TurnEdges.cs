using System.Runtime.CompilerServices;
using ChatBot.Core;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit;
using static ChatBot.Adapters.Tests.Contracts.TestData;

namespace ChatBot.Adapters.Tests.Contracts;

/// <summary>
/// A turn holds at its edges: one answer at a time per conversation (the turn lease), and nothing stored under a deleted
/// conversation, whichever instance runs the turn. The races run through <see cref="ChatService"/> with two app instances
/// (each its own store object and its own in-process cache) on the same data.
/// </summary>
public abstract partial class ConversationStoreContract
{
    [Fact]
    public async Task AddUserMessage_WhileAnotherTurnHoldsTheLease_IsBusyAndStoresNothing()
    {
        var user = NewUser();
        var conversation = NewConversation(user);
        await Store.CreateConversationAsync(conversation, Ct);
        var first = UserMessage(conversation.Id, "first");
        var firstLease = Lease();
        Assert.Equal(AddMessageOutcome.Added, (await Store.AddUserMessageAsync(user, first, firstLease, Ct)).Outcome);

        var second = UserMessage(conversation.Id, "second", "client-2");
        Assert.Equal(AddMessageOutcome.Busy, (await SecondInstance.AddUserMessageAsync(user, second, Lease(), Ct)).Outcome);
        Assert.Equal(TurnClaim.Busy, await SecondInstance.ClaimTurnAsync(user, conversation.Id, Lease(), Ct));
        Assert.Equal([first], (await Store.GetConversationAsync(user, conversation.Id, 50, Ct))!.Messages);

        // Once the answer is stored the lease is over, and the same clientMessageId is a new message, not a repeat.
        var answer = Answer(first, "done");
        Assert.True(await Store.SaveAssistantMessageAsync(user, conversation with { UpdatedAt = Now() }, answer, firstLease, Ct));
        var resent = UserMessage(conversation.Id, "second", "client-2");
        Assert.Equal(AddMessageOutcome.Added, (await SecondInstance.AddUserMessageAsync(user, resent, Lease(), Ct)).Outcome);
        Assert.Equal([first, answer, resent], (await Store.GetConversationAsync(user, conversation.Id, 50, Ct))!.Messages);
    }

    [Fact]
    public async Task TurnLease_ThatLapsed_IsTakenByTheNextTurn_AndTheLateAnswerDoesNotEndTheNewLease()
    {
        var user = NewUser();
        var conversation = NewConversation(user);
        await Store.CreateConversationAsync(conversation, Ct);
        var stuck = UserMessage(conversation.Id, "the instance answering this one died");
        var stuckLease = Lease(TimeSpan.FromMilliseconds(1));
        await Store.AddUserMessageAsync(user, stuck, stuckLease, Ct);

        var next = UserMessage(conversation.Id, "later");
        var nextLease = Lease();
        Assert.True(nextLease.TakenAt >= stuckLease.ExpiresAt);
        Assert.Equal(AddMessageOutcome.Added, (await SecondInstance.AddUserMessageAsync(user, next, nextLease, Ct)).Outcome);

        // The first instance comes back and stores its answer: it is kept, but the lease it ends is no longer its own.
        Assert.True(await Store.SaveAssistantMessageAsync(user, conversation with { UpdatedAt = Now() }, Answer(stuck, "late"), stuckLease, Ct));
        Assert.Equal(TurnClaim.Busy, await Store.ClaimTurnAsync(user, conversation.Id, Lease(), Ct));
    }

    [Fact]
    public async Task AddUserMessage_RepeatedWhileAnotherTurnHoldsTheLease_StillReplaysTheOriginal()
    {
        var user = NewUser();
        var conversation = NewConversation(user);
        await Store.CreateConversationAsync(conversation, Ct);
        var question = UserMessage(conversation.Id, "Hello", "client-1");
        var lease = Lease();
        await Store.AddUserMessageAsync(user, question, lease, Ct);
        var answer = Answer(question, "Hi");
        await Store.SaveAssistantMessageAsync(user, conversation with { UpdatedAt = Now() }, answer, lease, Ct);
        await Store.AddUserMessageAsync(user, UserMessage(conversation.Id, "now busy"), Lease(), Ct);

        var replay = await SecondInstance.AddUserMessageAsync(user, UserMessage(conversation.Id, "Hello", "client-1"), Lease(), Ct);

        Assert.Equal(new AddMessageResult(AddMessageOutcome.Repeated, question, answer), replay);
    }

    [Fact]
    public async Task ClaimTurn_OnAMissingConversation_IsNotFound()
    {
        Assert.Equal(TurnClaim.NotFound, await Store.ClaimTurnAsync(NewUser(), Ids.New(Now()), Lease(), Ct));
    }

    [Fact]
    public async Task SaveAssistantMessage_ForTheSameQuestion_ReplacesTheEarlierAnswer()
    {
        var user = NewUser();
        var conversation = NewConversation(user);
        await Store.CreateConversationAsync(conversation, Ct);
        var question = UserMessage(conversation.Id, "Tell me a joke");
        var lease = Lease();
        await Store.AddUserMessageAsync(user, question, lease, Ct);
        await Store.SaveAssistantMessageAsync(user, conversation with { UpdatedAt = Now() }, Answer(question, "old joke"), lease, Ct);

        var again = Lease();
        Assert.Equal(TurnClaim.Claimed, await Store.ClaimTurnAsync(user, conversation.Id, again, Ct));
        var replacement = Answer(question, "new joke");
        Assert.True(await Store.SaveAssistantMessageAsync(user, conversation with { UpdatedAt = Now() }, replacement, again, Ct));

        Assert.Equal([question, replacement], (await Store.GetConversationAsync(user, conversation.Id, 50, Ct))!.Messages);
    }

    [Fact]
    public async Task AddUserMessage_AfterDelete_IsNotFoundAndStoresNothing()
    {
        var user = NewUser();
        var conversation = NewConversation(user);
        await Store.CreateConversationAsync(conversation, Ct);
        await Store.DeleteConversationAsync(user, conversation.Id, Ct);

        var added = await SecondInstance.AddUserMessageAsync(user, UserMessage(conversation.Id, "too late", "client-1"), Lease(), Ct);

        Assert.Equal(AddMessageOutcome.NotFound, added.Outcome);
        Assert.Equal(0, await StoredItemsAsync(user, conversation.Id));
    }

    [Fact]
    public async Task SaveAssistantMessage_AfterDeleteDuringTheAnswer_ReturnsFalseAndLeavesNothing()
    {
        var user = NewUser();
        var conversation = NewConversation(user);
        await Store.CreateConversationAsync(conversation, Ct);
        var question = UserMessage(conversation.Id, "long answer please");
        var lease = Lease();
        await Store.AddUserMessageAsync(user, question, lease, Ct);

        Assert.True(await SecondInstance.DeleteConversationAsync(user, conversation.Id, Ct));
        var kept = await Store.SaveAssistantMessageAsync(user, conversation with { Title = "t", UpdatedAt = Now() }, Answer(question, "…"), lease, Ct);

        Assert.False(kept);
        Assert.Equal(0, await StoredItemsAsync(user, conversation.Id));
        Assert.Empty((await Store.ListConversationsAsync(user, 10, null, Ct)).Items);
    }

    [Fact]
    public async Task Turn_OnAnInstanceWhoseCacheStillHoldsADeletedConversation_IsNotFound_WithoutCallingTheModel()
    {
        using var first = new AppInstance(Store);
        using var second = new AppInstance(SecondInstance);
        var user = NewUser();
        var conversation = await first.Chat.CreateConversationAsync(user, null, Ct);
        await second.RunTurnAsync(user, conversation.Id, "warm the second instance's cache");
        Assert.True(await first.Chat.DeleteConversationAsync(user, conversation.Id, Ct));

        var start = await second.Chat.StartTurnAsync(user, conversation.Id, "anyone there?", "client-x", Ct);

        Assert.IsType<TurnStart.NotFound>(start);
        Assert.Equal(1, second.Model.Calls);
        Assert.Equal(0, await StoredItemsAsync(user, conversation.Id));
    }

    [Fact]
    public async Task Turn_WhoseConversationIsDeletedByAnotherInstanceWhileAnswering_EndsFailedAndLeavesNothing()
    {
        using var first = new AppInstance(Store);
        using var second = new AppInstance(SecondInstance);
        var user = NewUser();
        var conversation = await first.Chat.CreateConversationAsync(user, null, Ct);
        first.Model.Hold = new TaskCompletionSource();
        var start = Assert.IsType<TurnStart.Started>(await first.Chat.StartTurnAsync(user, conversation.Id, "write a lot", null, Ct));
        var updates = new List<TurnUpdate>();
        var streaming = Task.Run(async () =>
        {
            await foreach (var update in start.Turn.StreamAsync(Ct))
            {
                updates.Add(update);
            }
        });
        await first.Model.Started.Task.WaitAsync(Ct);

        Assert.True(await second.Chat.DeleteConversationAsync(user, conversation.Id, Ct));
        first.Model.Hold.SetResult();
        await streaming.WaitAsync(Ct);

        var failed = Assert.IsType<TurnUpdate.Failed>(updates[^1]);
        Assert.IsType<ConversationDeletedException>(failed.Error);
        Assert.Equal(0, await StoredItemsAsync(user, conversation.Id));
    }

    [Fact]
    public async Task Turn_WhileAnotherInstanceIsAnsweringTheSameConversation_IsRefusedAsInProgress()
    {
        using var first = new AppInstance(Store);
        using var second = new AppInstance(SecondInstance);
        var user = NewUser();
        var conversation = await first.Chat.CreateConversationAsync(user, null, Ct);
        first.Model.Hold = new TaskCompletionSource();
        var start = Assert.IsType<TurnStart.Started>(await first.Chat.StartTurnAsync(user, conversation.Id, "one", null, Ct));
        var streaming = Task.Run(async () =>
        {
            await foreach (var _ in start.Turn.StreamAsync(Ct))
            {
            }
        });
        await first.Model.Started.Task.WaitAsync(Ct);

        await Assert.ThrowsAsync<TurnInProgressException>(() => second.Chat.StartTurnAsync(user, conversation.Id, "two", null, Ct));
        await Assert.ThrowsAsync<TurnInProgressException>(() => second.Chat.StartRegenerateAsync(user, conversation.Id, Ct));

        first.Model.Hold.SetResult();
        await streaming.WaitAsync(Ct);
        await second.RunTurnAsync(user, conversation.Id, "three");
        var stored = (await Store.GetConversationAsync(user, conversation.Id, 50, Ct))!.Messages;
        Assert.Equal(["one", "echo", "three", "echo"], stored.Select(m => m.Content));
    }

    /// <summary>One app instance: a <see cref="ChatService"/> with its own in-process cache, over a store.</summary>
    private sealed class AppInstance : IDisposable
    {
        private readonly InProcessContextCache _cache = new(Options.Create(new ContextCacheOptions()));

        public AppInstance(IConversationStore store) =>
            Chat = new ChatService(store, _cache, Model, Options.Create(new Core.ChatServiceOptions()), TimeProvider.System, NullLogger<ChatService>.Instance);

        public ChatService Chat { get; }

        public HeldChatClient Model { get; } = new();

        public async Task RunTurnAsync(string user, string conversationId, string content)
        {
            var start = Assert.IsType<TurnStart.Started>(await Chat.StartTurnAsync(user, conversationId, content, null, Ct));
            await foreach (var update in start.Turn.StreamAsync(Ct))
            {
                Assert.IsNotType<TurnUpdate.Failed>(update);
            }
        }

        public void Dispose() => _cache.Dispose();
    }

    /// <summary>Answers "echo", after <see cref="Hold"/> completes when one is set; counts its calls.</summary>
    private sealed class HeldChatClient : IChatClient
    {
        public TaskCompletionSource? Hold { get; set; }

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Calls { get; private set; }

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            Calls++;
            Started.TrySetResult();
            if (Hold is { } hold)
            {
                await hold.Task.WaitAsync(cancellationToken);
            }

            yield return new ChatResponseUpdate(ChatRole.Assistant, "echo");
        }

        public Task<ChatResponse> GetResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
