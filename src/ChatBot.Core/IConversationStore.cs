namespace ChatBot.Core;

/// <summary>
/// The source of truth for conversations. Every call is scoped to <c>userId</c>: a conversation that belongs to someone else
/// behaves exactly like one that does not exist. Implementations: SQLite (local) and DynamoDB (AWS); both pass
/// the same contract suite in tests/ChatBot.Adapters.Tests.
/// </summary>
public interface IConversationStore
{
    Task CreateConversationAsync(Conversation conversation, CancellationToken cancellationToken);

    /// <summary>Newest activity first. Throws <see cref="InvalidCursorException"/> for a cursor it did not issue to this user.</summary>
    Task<ConversationPage> ListConversationsAsync(string userId, int limit, string? cursor, CancellationToken cancellationToken);

    /// <summary>The conversation and its newest <paramref name="maxMessages"/> messages, oldest first; null when not found.</summary>
    Task<ConversationContext?> GetConversationAsync(string userId, string conversationId, int maxMessages, CancellationToken cancellationToken);

    /// <summary>Returns the renamed conversation, or null when not found.</summary>
    Task<Conversation?> RenameConversationAsync(string userId, string conversationId, string title, DateTimeOffset updatedAt, CancellationToken cancellationToken);

    /// <summary>Deletes the conversation and every message in it. Returns false when not found.</summary>
    Task<bool> DeleteConversationAsync(string userId, string conversationId, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a user message, idempotently on <see cref="ConversationMessage.ClientMessageId"/> within the conversation: a repeat
    /// stores nothing and returns the original with its answer. The caller has just read the conversation; if it was deleted
    /// meanwhile, the message is never visible to anyone.
    /// </summary>
    Task<AddMessageResult> AddUserMessageAsync(string userId, ConversationMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// Stores an assistant message (complete, stopped or failed) and records the turn's activity on the conversation:
    /// <paramref name="conversation"/> carries the new <see cref="Conversation.UpdatedAt"/> and, for a first turn, the default title.
    /// The title only fills a missing one, so a rename that lands while the answer streams is kept.
    /// </summary>
    Task SaveAssistantMessageAsync(string userId, Conversation conversation, ConversationMessage message, CancellationToken cancellationToken);
}
