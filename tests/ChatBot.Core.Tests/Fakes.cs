namespace ChatBot.Core.Tests;

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

    public Dictionary<string, UserSettings> Settings { get; } = [];

    public Task<Conversation?> UpdateConversationAsync(
        string userId, string conversationId, ConversationPatch patch, DateTimeOffset updatedAt, CancellationToken cancellationToken)
    {
        if (!_conversations.TryGetValue(conversationId, out var conversation))
        {
            return Task.FromResult<Conversation?>(null);
        }

        _conversations[conversationId] = patch.ApplyTo(conversation, updatedAt);
        return Task.FromResult<Conversation?>(_conversations[conversationId]);
    }

    public Task<TurnClaim> EditUserMessageAsync(string userId, ConversationMessage question, TurnLease lease, CancellationToken cancellationToken)
    {
        var index = _messages.FindIndex(m => m.Id == question.Id);
        if (index < 0)
        {
            return Task.FromResult(TurnClaim.NotFound);
        }

        _messages[index] = question;
        return Task.FromResult(TurnClaim.Claimed);
    }

    public Task<ConversationMessage?> SetFeedbackAsync(
        string userId, string conversationId, string messageId, MessageFeedback? feedback, CancellationToken cancellationToken)
    {
        var index = _messages.FindIndex(m => m.Id == messageId && m.Role == MessageRole.Assistant);
        if (index < 0)
        {
            return Task.FromResult<ConversationMessage?>(null);
        }

        _messages[index] = _messages[index] with { Feedback = feedback };
        return Task.FromResult<ConversationMessage?>(_messages[index]);
    }

    public Task<UserSettings> GetUserSettingsAsync(string userId, CancellationToken cancellationToken) =>
        Task.FromResult(Settings.GetValueOrDefault(userId) ?? UserSettings.Empty);

    public Task SaveUserSettingsAsync(string userId, UserSettings settings, CancellationToken cancellationToken)
    {
        Settings[userId] = settings;
        return Task.CompletedTask;
    }
}
