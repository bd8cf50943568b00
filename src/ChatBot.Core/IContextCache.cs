namespace ChatBot.Core;

/// <summary>
/// Keeps each conversation's recent messages so a normal turn reads nothing from the store. Never the source of truth:
/// implementations swallow their own outages (a miss is always a safe answer) and never throw for them.
/// Implementations: in-process (local) and Redis (AWS); both pass the same contract suite.
/// </summary>
public interface IContextCache
{
    /// <summary>The cached conversation with its newest messages, oldest first; null on a miss.</summary>
    ValueTask<ConversationContext?> GetAsync(string userId, string conversationId, CancellationToken cancellationToken);

    /// <summary>Replaces the entry with a freshly loaded context (after a miss).</summary>
    ValueTask SetAsync(string userId, ConversationContext context, CancellationToken cancellationToken);

    /// <summary>
    /// Write-through after a turn: appends <paramref name="messages"/> and updates the conversation, keeping only the newest
    /// messages within the configured bounds. Does nothing when the conversation is not cached. Like the store, it keeps a title
    /// the entry already has and never moves activity back: the turn may have started before a rename that reloaded the entry.
    /// </summary>
    ValueTask AppendAsync(string userId, Conversation conversation, IReadOnlyList<ConversationMessage> messages, CancellationToken cancellationToken);

    /// <summary>Drops the entry (on rename and delete).</summary>
    ValueTask InvalidateAsync(string userId, string conversationId, CancellationToken cancellationToken);
}
