using System.Runtime.CompilerServices;

namespace ChatBot.Core;

/// <summary>What a user does with all of their conversations at once: search them, export them, delete them.</summary>
public sealed partial class ChatService
{
    /// <summary>How many conversations an export reads from the store at a time.</summary>
    private const int ExportPageSize = 25;

    public Task<SearchPage> SearchConversationsAsync(string userId, SearchQuery query, int limit, string? cursor, CancellationToken cancellationToken) =>
        store.SearchConversationsAsync(userId, query, limit, cursor, cancellationToken);

    /// <summary>
    /// Every conversation of the user with all its messages, newest activity first, read one page of the list and one
    /// conversation at a time, so an export never holds more than one conversation. A conversation that gets a new answer
    /// while the export runs moves to the top of the list and may be left out; one deleted meanwhile is skipped.
    /// </summary>
    public async IAsyncEnumerable<ConversationContext> ExportConversationsAsync(string userId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? cursor = null;
        do
        {
            var page = await store.ListConversationsAsync(userId, ExportPageSize, cursor, cancellationToken);
            foreach (var conversation in page.Items)
            {
                if (await store.GetConversationAsync(userId, conversation.Id, int.MaxValue, cancellationToken) is { } context)
                {
                    yield return context;
                }
            }

            cursor = page.NextCursor;
        }
        while (cursor is not null);
    }

    /// <summary>Deletes all of the user's conversations and forgets their cached context. Returns how many were deleted.</summary>
    public async Task<int> DeleteAllConversationsAsync(string userId, CancellationToken cancellationToken)
    {
        var deleted = await store.DeleteAllConversationsAsync(userId, cancellationToken);
        foreach (var conversationId in deleted)
        {
            await cache.InvalidateAsync(userId, conversationId, cancellationToken);
        }

        return deleted.Count;
    }
}
