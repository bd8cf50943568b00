using Amazon.DynamoDBv2.Model;
using ChatBot.Core;
using static ChatBot.Storage.DynamoDb.DynamoDbKeys;

namespace ChatBot.Storage.DynamoDb;

/// <summary>
/// Search and delete-all, within the table: no search service (its idle cost would dwarf the table's).
/// <list type="bullet">
/// <item>Search walks the user's conversations newest first (GSI1, as the list does) and reads each one's items with one
/// eventually consistent Query on LSI1, oldest message first, matching them with the shared <see cref="SearchQuery"/> rule.
/// Nothing extra is written, so turns cost what they did. A search reads at most <see cref="SearchConversationsPerRequest"/>
/// conversations per request: 1 Query on GSI1 per 1 MB of activity items + 1 Query per conversation (per 1 MB of it).
/// Its read cost grows with the history it walks: about (bytes of the conversations read) / 4 KB × 0.5 read units.
/// A search with few or no matches walks the whole history, a page at a time.</item>
/// <item>Delete-all deletes each conversation as <see cref="DeleteConversationAsync"/> does, a few at once, walking GSI1 once.
/// The activity item (the GSI1 entry) of each goes last, so a run that fails part-way leaves every unfinished conversation
/// findable, and running it again finishes them.</item>
/// </list>
/// </summary>
public sealed partial class DynamoDbConversationStore
{
    /// <summary>Bounds one search request's reads (and time); the cursor resumes where it stopped.</summary>
    internal const int SearchConversationsPerRequest = 50;

    /// <summary>Conversations deleted at once by delete-all: each delete is a few sequential requests.</summary>
    private const int DeleteAllParallelism = 8;

    public async Task<SearchPage> SearchConversationsAsync(string userId, SearchQuery query, int limit, string? cursor, CancellationToken cancellationToken)
    {
        RequireUserId(userId);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var startKey = ListStartKey(userId, cursor);
        var hits = new List<SearchHit>(limit);
        var examined = 0;
        (DateTimeOffset UpdatedAt, string Id)? last = null;
        var more = false;
        var request = ActivityRequest(userId, SearchConversationsPerRequest, startKey);
        await foreach (var response in QueryPagesAsync(request, cancellationToken))
        {
            var activities = response.Items ?? [];
            more = response.LastEvaluatedKey is { Count: > 0 };
            for (var i = 0; i < activities.Count; i++)
            {
                examined++;
                last = (ParseTime(activities[i]["UpdatedAt"].S), activities[i]["Id"].S);
                if (await SearchConversationAsync(userId, activities[i], query, cancellationToken) is { } hit)
                {
                    hits.Add(hit);
                    if (hits.Count == limit)
                    {
                        more |= i < activities.Count - 1;
                        break;
                    }
                }
            }

            if (hits.Count == limit || examined >= SearchConversationsPerRequest)
            {
                break;
            }

            request.Limit = SearchConversationsPerRequest - examined;
        }

        var nextCursor = more && last is var (updatedAt, id) ? ConversationCursor.Encode(_cursorKey, userId, updatedAt, id) : null;
        return new SearchPage(hits, nextCursor);
    }

    public async Task<IReadOnlyList<string>> DeleteAllConversationsAsync(string userId, CancellationToken cancellationToken)
    {
        RequireUserId(userId);
        var deleted = new System.Collections.Concurrent.ConcurrentBag<string>();
        var activities = QueryPagesAsync(
            new QueryRequest
            {
                TableName = _table,
                IndexName = Gsi1,
                KeyConditionExpression = "GSI1PK = :pk",
                ExpressionAttributeValues = new() { [":pk"] = new AttributeValue { S = UserGsi1Pk(userId) } },
            },
            cancellationToken);
        await foreach (var page in activities)
        {
            await Parallel.ForEachAsync(
                (page.Items ?? []).Select(a => a["Id"].S).Distinct(),
                new ParallelOptions { MaxDegreeOfParallelism = DeleteAllParallelism, CancellationToken = cancellationToken },
                async (conversationId, ct) =>
                {
                    // Also finishes a conversation an earlier, failed run left without its conversation item.
                    await DeleteConversationAsync(userId, conversationId, ct);
                    deleted.Add(conversationId);
                });
        }

        return [.. deleted.Distinct()];
    }

    /// <summary>Where the list (and search) resumes on GSI1 after a cursor's conversation; null for the first page.</summary>
    private Dictionary<string, AttributeValue>? ListStartKey(string userId, string? cursor)
    {
        if (cursor is null)
        {
            return null;
        }

        var (updatedAt, conversationId) = ConversationCursor.Decode(_cursorKey, userId, cursor);
        return new Dictionary<string, AttributeValue>(Key(ConversationPk(userId, conversationId), ActivitySk))
        {
            [Gsi1Pk] = new AttributeValue { S = UserGsi1Pk(userId) },
            [Gsi1Sk] = new AttributeValue { S = ActivityGsi1Sk(updatedAt, conversationId) },
        };
    }

    /// <summary>
    /// One conversation's items, oldest message first (LSI1 ascending: the "~" items come last), eventually consistent: half the
    /// read units of a strong read, and a search may lag a write by a moment. Null when it does not match or is gone.
    /// </summary>
    private async Task<SearchHit?> SearchConversationAsync(
        string userId, Dictionary<string, AttributeValue> activity, SearchQuery query, CancellationToken cancellationToken)
    {
        var items = await QueryAllAsync(
            new QueryRequest
            {
                TableName = _table,
                IndexName = Lsi1,
                KeyConditionExpression = "PK = :pk",
                ExpressionAttributeValues = new() { [":pk"] = activity[Pk] },

                // The read units a search costs are what docs/benchmarks.md reports; the tests read them from here.
                ReturnConsumedCapacity = Amazon.DynamoDBv2.ReturnConsumedCapacity.TOTAL,
            },
            cancellationToken);

        var conversationItem = items.Find(i => i[Sk].S == ConversationSk);
        if (conversationItem is null)
        {
            return null;
        }

        var conversation = ReadConversation(userId, conversationItem, items.Find(i => i[Sk].S == ActivitySk) ?? activity);
        if (conversation.Title is { } title && query.FindIn(title) is { } inTitle)
        {
            return new SearchHit(conversation, inTitle, null);
        }

        foreach (var item in items.Where(i => i[Sk].S is not (ConversationSk or ActivitySk)))
        {
            var message = ReadMessage(item);
            if (query.FindIn(message.Content) is { } snippet)
            {
                return new SearchHit(conversation, snippet, message.Id);
            }
        }

        return null;
    }

    /// <summary>
    /// The user's activity items on GSI1, newest first, <paramref name="limit"/> at most per page: the list and search. The
    /// consumed capacity it reports is what the search read-cost figure in docs/benchmarks.md sums.
    /// </summary>
    private QueryRequest ActivityRequest(string userId, int limit, Dictionary<string, AttributeValue>? startKey) => new()
    {
        TableName = _table,
        IndexName = Gsi1,
        KeyConditionExpression = "GSI1PK = :pk",
        ExpressionAttributeValues = new() { [":pk"] = new AttributeValue { S = UserGsi1Pk(userId) } },
        ScanIndexForward = false,
        Limit = limit,
        ExclusiveStartKey = startKey,
        ReturnConsumedCapacity = Amazon.DynamoDBv2.ReturnConsumedCapacity.TOTAL,
    };
}
