using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace ChatBot.Core.Tests;

/// <summary>A model that streams the given pieces, optionally failing after some, and records what it was asked.</summary>
internal sealed class ScriptedChatClient(params string[] pieces) : IChatClient
{
    public Exception? FailAfterPieces { get; init; }

    public int FailAt { get; init; } = -1;

    /// <summary>Signalled once the first piece is out, so a test can cancel mid-answer.</summary>
    public TaskCompletionSource FirstPieceSent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool WaitForCancellationAfterFirstPiece { get; init; }

    public List<IReadOnlyList<ChatMessage>> Calls { get; } = [];

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Calls.Add(messages.ToList());
        for (var i = 0; i < pieces.Length; i++)
        {
            if (i == FailAt && FailAfterPieces is not null)
            {
                throw FailAfterPieces;
            }

            yield return new ChatResponseUpdate(ChatRole.Assistant, pieces[i]);
            if (i == 0)
            {
                FirstPieceSent.TrySetResult();
                if (WaitForCancellationAfterFirstPiece)
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
            }
        }

        yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(new UsageDetails { InputTokenCount = 7, OutputTokenCount = pieces.Length })]);
    }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}

/// <summary>A minimal in-memory store that counts reads, for ChatService's unit tests (the real stores have contract tests).</summary>
internal sealed class RecordingStore : IConversationStore
{
    private readonly Dictionary<string, Conversation> _conversations = [];
    private readonly List<ConversationMessage> _messages = [];

    public int Reads { get; private set; }

    public IReadOnlyList<ConversationMessage> Messages => _messages;

    public Conversation Get(string id) => _conversations[id];

    public Task CreateConversationAsync(Conversation conversation, CancellationToken cancellationToken)
    {
        _conversations[conversation.Id] = conversation;
        return Task.CompletedTask;
    }

    public Task<ConversationPage> ListConversationsAsync(string userId, int limit, string? cursor, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task<ConversationContext?> GetConversationAsync(string userId, string conversationId, int maxMessages, CancellationToken cancellationToken)
    {
        Reads++;
        if (!_conversations.TryGetValue(conversationId, out var conversation) || conversation.UserId != userId)
        {
            return Task.FromResult<ConversationContext?>(null);
        }

        var messages = _messages.Where(m => m.ConversationId == conversationId).TakeLast(maxMessages).ToArray();
        return Task.FromResult<ConversationContext?>(new ConversationContext(conversation, messages));
    }

    public Task<Conversation?> RenameConversationAsync(string userId, string conversationId, string title, DateTimeOffset updatedAt, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task<bool> DeleteConversationAsync(string userId, string conversationId, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task<SearchPage> SearchConversationsAsync(string userId, SearchQuery query, int limit, string? cursor, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task<IReadOnlyList<string>> DeleteAllConversationsAsync(string userId, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task<AddMessageResult> AddUserMessageAsync(string userId, ConversationMessage message, TurnLease lease, CancellationToken cancellationToken)
    {
        var original = _messages.FirstOrDefault(m => m.ClientMessageId is not null && m.ClientMessageId == message.ClientMessageId);
        if (original is not null)
        {
            return Task.FromResult(new AddMessageResult(AddMessageOutcome.Repeated, original, _messages.FirstOrDefault(m => m.ReplyTo == original.Id)));
        }

        _messages.Add(message);
        return Task.FromResult(new AddMessageResult(AddMessageOutcome.Added, message, null));
    }

    public Task<TurnClaim> ClaimTurnAsync(string userId, string conversationId, TurnLease lease, CancellationToken cancellationToken) =>
        Task.FromResult(_conversations.ContainsKey(conversationId) ? TurnClaim.Claimed : TurnClaim.NotFound);

    public Task<bool> SaveAssistantMessageAsync(
        string userId, Conversation conversation, ConversationMessage message, TurnLease lease, CancellationToken cancellationToken)
    {
        _messages.RemoveAll(m => m.ReplyTo == message.ReplyTo);
        _messages.Add(message);
        _conversations[conversation.Id] = conversation;
        return Task.FromResult(true);
    }
}
