using ChatBot.Core;

namespace ChatBot.Api.Telemetry;

/// <summary>A span around each store call, so a turn's trace shows where its storage time went.</summary>
public sealed class TracedConversationStore(IConversationStore inner) : IConversationStore
{
    public async Task CreateConversationAsync(Conversation conversation, CancellationToken cancellationToken)
    {
        using var span = Span.Start("store.create_conversation");
        await inner.CreateConversationAsync(conversation, cancellationToken);
    }

    public async Task<ConversationPage> ListConversationsAsync(string userId, int limit, string? cursor, CancellationToken cancellationToken)
    {
        using var span = Span.Start("store.list_conversations");
        return await inner.ListConversationsAsync(userId, limit, cursor, cancellationToken);
    }

    public async Task<ConversationContext?> GetConversationAsync(string userId, string conversationId, int maxMessages, CancellationToken cancellationToken)
    {
        using var span = Span.Start("store.get_conversation");
        return await inner.GetConversationAsync(userId, conversationId, maxMessages, cancellationToken);
    }

    public async Task<Conversation?> RenameConversationAsync(
        string userId, string conversationId, string title, DateTimeOffset updatedAt, CancellationToken cancellationToken)
    {
        using var span = Span.Start("store.rename_conversation");
        return await inner.RenameConversationAsync(userId, conversationId, title, updatedAt, cancellationToken);
    }

    public async Task<bool> DeleteConversationAsync(string userId, string conversationId, CancellationToken cancellationToken)
    {
        using var span = Span.Start("store.delete_conversation");
        return await inner.DeleteConversationAsync(userId, conversationId, cancellationToken);
    }

    public async Task<AddMessageResult> AddUserMessageAsync(string userId, ConversationMessage message, TurnLease lease, CancellationToken cancellationToken)
    {
        using var span = Span.Start("store.add_user_message");
        return await inner.AddUserMessageAsync(userId, message, lease, cancellationToken);
    }

    public async Task<TurnClaim> ClaimTurnAsync(string userId, string conversationId, TurnLease lease, CancellationToken cancellationToken)
    {
        using var span = Span.Start("store.claim_turn");
        return await inner.ClaimTurnAsync(userId, conversationId, lease, cancellationToken);
    }

    public async Task<bool> SaveAssistantMessageAsync(
        string userId, Conversation conversation, ConversationMessage message, TurnLease lease, CancellationToken cancellationToken)
    {
        using var span = Span.Start("store.save_assistant_message");
        return await inner.SaveAssistantMessageAsync(userId, conversation, message, lease, cancellationToken);
    }

    public async Task<SearchPage> SearchConversationsAsync(string userId, SearchQuery query, int limit, string? cursor, CancellationToken cancellationToken)
    {
        using var span = Span.Start("store.search_conversations");
        return await inner.SearchConversationsAsync(userId, query, limit, cursor, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> DeleteAllConversationsAsync(string userId, CancellationToken cancellationToken)
    {
        using var span = Span.Start("store.delete_all_conversations");
        return await inner.DeleteAllConversationsAsync(userId, cancellationToken);
    }
}
