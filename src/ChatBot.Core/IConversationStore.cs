namespace ChatBot.Core;

/// <summary>
/// The source of truth for conversations. Every call is scoped to <c>userId</c>: a conversation that belongs to someone else
/// behaves exactly like one that does not exist. Implementations: SQLite (local) and DynamoDB (AWS); both pass
/// the same contract suite in tests/ChatBot.Adapters.Tests.
/// <para>
/// A turn holds at its edges: once <see cref="DeleteConversationAsync"/> has returned, nothing of any turn is stored under
/// that conversation, whichever instance runs the turn and whatever its cache says; and a conversation has at most one answer
/// being written at a time, guarded by a <see cref="TurnLease"/> kept with the conversation.
/// </para>
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

    /// <summary>Deletes the conversation and every message in it, and ends any turn lease. Returns false when not found.</summary>
    Task<bool> DeleteConversationAsync(string userId, string conversationId, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a user message and takes the conversation's turn <paramref name="lease"/>, idempotently on
    /// <see cref="ConversationMessage.ClientMessageId"/> within the conversation: a repeat stores nothing, takes no lease and
    /// returns the original with its answer. When another unexpired lease is held (<see cref="AddMessageOutcome.Busy"/>) or the
    /// conversation is gone (<see cref="AddMessageOutcome.NotFound"/>), nothing is left stored.
    /// </summary>
    Task<AddMessageResult> AddUserMessageAsync(string userId, ConversationMessage message, TurnLease lease, CancellationToken cancellationToken);

    /// <summary>Takes the conversation's turn lease without storing a question (to answer the last one again).</summary>
    Task<TurnClaim> ClaimTurnAsync(string userId, string conversationId, TurnLease lease, CancellationToken cancellationToken);

    /// <summary>
    /// Stores an assistant message (complete, stopped or failed), records the turn's activity on the conversation and ends
    /// <paramref name="lease"/>. <paramref name="conversation"/> carries the new <see cref="Conversation.UpdatedAt"/> and, for a first
    /// turn, the default title; the title only fills a missing one, so a rename that lands while the answer streams is kept.
    /// The answer replaces any earlier answer to the same question (<see cref="ConversationMessage.ReplyTo"/>).
    /// Returns false, with nothing of the answer kept, when the conversation was deleted meanwhile.
    /// </summary>
    Task<bool> SaveAssistantMessageAsync(
        string userId, Conversation conversation, ConversationMessage message, TurnLease lease, CancellationToken cancellationToken);

    // Search, export and delete-all: what a user does with all of their conversations at once.

    /// <summary>
    /// The user's conversations whose title or one message holds every word of <paramref name="query"/> (see
    /// <see cref="SearchQuery"/>), newest activity first, with a snippet of the title when it matches, else of the earliest
    /// matching message. A page may hold fewer than <paramref name="limit"/> hits and still have a next cursor, when a store
    /// bounds the work of one request. Throws <see cref="InvalidCursorException"/> for a cursor it did not issue to this user.
    /// </summary>
    Task<SearchPage> SearchConversationsAsync(string userId, SearchQuery query, int limit, string? cursor, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes every conversation of the user as <see cref="DeleteConversationAsync"/> deletes one, and returns their ids.
    /// After a failure part-way, calling it again finishes the job: nothing stays half-deleted and out of reach.
    /// </summary>
    Task<IReadOnlyList<string>> DeleteAllConversationsAsync(string userId, CancellationToken cancellationToken);
}
