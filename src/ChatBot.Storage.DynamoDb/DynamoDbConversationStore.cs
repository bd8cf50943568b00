using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using ChatBot.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static ChatBot.Storage.DynamoDb.DynamoDbKeys;

namespace ChatBot.Storage.DynamoDb;

/// <summary>
/// The AWS store: one DynamoDB table, keyed as <see cref="DynamoDbKeys"/> describes. Requests per operation (each is one
/// HTTP request to DynamoDB; the SDK's retries come on top, and only on failures):
/// <list type="bullet">
/// <item>A turn on a cache hit: 0 reads, 4 writes (AddUserMessage: 1 conditional PutItem + 1 conditional UpdateItem taking the
/// turn lease; SaveAssistantMessage: 1 BatchWriteItem + 1 conditional UpdateItem ending the lease).</item>
/// <item>A turn on a cache miss: the same plus 1 Query (GetConversation).</item>
/// <item>A turn refused because another answer is being written (409) or the conversation is gone (404): 1 PutItem, 1 failed
/// UpdateItem, 1 DeleteItem taking the message back (an emulator that does not return the item with a failed condition costs
/// 1 more GetItem).</item>
/// <item>Regenerate: 1 Query (GetConversation) + 1 UpdateItem (lease), then as a turn's SaveAssistantMessage.</item>
/// <item>A repeated clientMessageId (rare): 1 PutItem that fails its condition and returns the original, then 1 GetItem for its
/// answer (an emulator that does not return the original costs 1 more GetItem).</item>
/// <item>Create: 1 GetItem (the user's default instructions, in ChatService) + 1 BatchWriteItem. Rename: 2 UpdateItem. List: 1 Query on GSI1 + 1 BatchGetItem of the titles.</item>
/// <item>Delete: 1 DeleteItem + 1 Query per 1 MB of keys + 1 BatchWriteItem per 25 items + 1 DeleteItem (the activity item, last).</item>
/// </list>
/// No transactions: the local emulator lacks them. Instead, the conversation item is a fence. A turn writes first and then
/// updates the conversation item on the condition that it exists (taking the lease after the question, ending it after the
/// answer); a delete removes the conversation item first and only then queries what to delete, with a consistent read. Single
/// items are linearizable, so either the turn's update came before the delete (and the delete's Query finds the turn's items),
/// or its condition fails and the turn deletes what it wrote. Once a delete has returned, nothing of any turn remains.
/// </summary>
public sealed partial class DynamoDbConversationStore : IConversationStore
{
    private const int BatchWriteLimit = 25;
    private const int BatchGetLimit = 100;
    private const int UnprocessedRetries = 8;

    private readonly IAmazonDynamoDB _client;
    private readonly string _table;
    private readonly byte[] _cursorKey;
    private readonly ILogger<DynamoDbConversationStore> _logger;

    public DynamoDbConversationStore(IAmazonDynamoDB client, IOptions<DynamoDbStoreOptions> options, ILogger<DynamoDbConversationStore> logger)
    {
        _client = client;
        _table = options.Value.TableName;
        _logger = logger;
        if (options.Value.CursorKey is { Length: > 0 } key && DynamoDbStoreOptionsValidator.TryDecodeKey(key, out var bytes))
        {
            _cursorKey = bytes;
        }
        else
        {
            // Validation allows this only with an emulator (ServiceUrl set).
            _cursorKey = RandomNumberGenerator.GetBytes(ConversationCursor.MinKeyBytes);
            LogEphemeralCursorKey(logger);
        }
    }

    public Task CreateConversationAsync(Conversation conversation, CancellationToken cancellationToken)
    {
        RequireUserId(conversation.UserId);
        if (!Ids.IsValid(conversation.Id))
        {
            throw new ArgumentException($"'{conversation.Id}' is not a conversation id (32 lowercase hex digits).", nameof(conversation));
        }

        var pk = ConversationPk(conversation.UserId, conversation.Id);
        var item = ConversationItem(pk, conversation);
        return WriteBatchAsync(
            [new WriteRequest { PutRequest = new PutRequest { Item = item } },
             new WriteRequest { PutRequest = new PutRequest { Item = ActivityItem(pk, conversation, title: null) } }],
            cancellationToken);
    }

    public async Task<ConversationPage> ListConversationsAsync(string userId, int limit, string? cursor, CancellationToken cancellationToken)
    {
        RequireUserId(userId);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var startKey = ListStartKey(userId, cursor);

        // One more than asked for tells whether another page exists, so the last page never comes with a dead-end cursor.
        var activities = new List<Dictionary<string, AttributeValue>>(limit + 1);
        var request = ActivityRequest(userId, limit + 1, startKey);
        await foreach (var response in QueryPagesAsync(request, cancellationToken))
        {
            activities.AddRange(response.Items ?? []);
            if (activities.Count > limit)
            {
                break;
            }

            request.Limit = limit + 1 - activities.Count;
        }

        var page = activities.Take(limit).ToList();
        var conversations = await GetConversationItemsAsync(userId, page.Select(a => a[Pk].S).ToList(), cancellationToken);
        var items = new List<Conversation>(page.Count);
        foreach (var activity in page)
        {
            // An activity without its conversation item is what a turn still in flight may leave behind after a delete.
            if (conversations.TryGetValue(activity[Pk].S, out var conversation))
            {
                items.Add(ReadConversation(userId, conversation, activity));
            }
        }

        string? nextCursor = null;
        if (activities.Count > limit)
        {
            var last = page[^1];
            nextCursor = ConversationCursor.Encode(_cursorKey, userId, ParseTime(last["UpdatedAt"].S), last["Id"].S);
        }

        return new ConversationPage(items, nextCursor);
    }

    public async Task<ConversationContext?> GetConversationAsync(string userId, string conversationId, int maxMessages, CancellationToken cancellationToken)
    {
        RequireUserId(userId);
        ArgumentOutOfRangeException.ThrowIfNegative(maxMessages);
        if (!Ids.IsValid(conversationId))
        {
            return null;
        }

        // One Query, newest first on LSI1: the conversation and activity items sort last ("~"), so they come first, then the
        // newest messages. Limit counts those two items too. More requests only when the newest messages exceed 1 MB.
        var wanted = (int)Math.Min((long)maxMessages + 2, int.MaxValue);
        var items = new List<Dictionary<string, AttributeValue>>();
        var request = new QueryRequest
        {
            TableName = _table,
            IndexName = Lsi1,
            ConsistentRead = true,
            KeyConditionExpression = "PK = :pk",
            ExpressionAttributeValues = new() { [":pk"] = new AttributeValue { S = ConversationPk(userId, conversationId) } },
            ScanIndexForward = false,
            Limit = wanted,
        };
        await foreach (var response in QueryPagesAsync(request, cancellationToken))
        {
            items.AddRange(response.Items ?? []);
            if (items.Count >= wanted)
            {
                break;
            }

            request.Limit = wanted - items.Count;
        }

        var conversation = items.Find(i => i[Sk].S == ConversationSk);
        if (conversation is null)
        {
            return null;
        }

        var activity = items.Find(i => i[Sk].S == ActivitySk);
        var messages = items
            .Where(i => i[Sk].S is not (ConversationSk or ActivitySk))
            .Take(maxMessages)
            .Select(ReadMessage)
            .Reverse()
            .ToList();
        return new ConversationContext(ReadConversation(userId, conversation, activity), messages);
    }

    public async Task<Conversation?> UpdateConversationAsync(
        string userId, string conversationId, ConversationPatch patch, DateTimeOffset updatedAt, CancellationToken cancellationToken)
    {
        RequireUserId(userId);
        if (!Ids.IsValid(conversationId))
        {
            return null;
        }

        var pk = ConversationPk(userId, conversationId);
        Dictionary<string, AttributeValue> conversation;
        try
        {
            // Title, model and instructions live on the conversation item, which turns never write: a turn ending later
            // cannot undo this.
            var (expression, values) = PatchExpression(patch);
            conversation = (await CallAsync(
                ct => _client.UpdateItemAsync(
                    new UpdateItemRequest
                    {
                        TableName = _table,
                        Key = Key(pk, ConversationSk),
                        UpdateExpression = expression,
                        ConditionExpression = "attribute_exists(PK)",
                        ExpressionAttributeValues = values,
                        ReturnValues = ReturnValue.ALL_NEW,
                    },
                    ct),
                cancellationToken)).Attributes;
        }
        catch (ConditionalCheckFailedException)
        {
            return null;
        }

        Dictionary<string, AttributeValue> activity;
        try
        {
            // Activity only moves forward: a turn that ended after this rename keeps its later time.
            activity = (await CallAsync(
                ct => _client.UpdateItemAsync(
                    new UpdateItemRequest
                    {
                        TableName = _table,
                        Key = Key(pk, ActivitySk),
                        UpdateExpression = "SET UpdatedAt = :at, GSI1SK = :gsi1sk",
                        ConditionExpression = "attribute_exists(PK) AND UpdatedAt < :at",
                        ExpressionAttributeValues = new()
                        {
                            [":at"] = new AttributeValue { S = FormatTime(updatedAt) },
                            [":gsi1sk"] = new AttributeValue { S = ActivityGsi1Sk(updatedAt, conversationId) },
                        },
                        ReturnValues = ReturnValue.ALL_NEW,
                    },
                    ct),
                cancellationToken)).Attributes;
        }
        catch (ConditionalCheckFailedException)
        {
            activity = (await CallAsync(
                ct => _client.GetItemAsync(new GetItemRequest { TableName = _table, Key = Key(pk, ActivitySk), ConsistentRead = true }, ct),
                cancellationToken)).Item ?? [];
        }

        return ReadConversation(userId, conversation, activity);
    }

    public async Task<bool> DeleteConversationAsync(string userId, string conversationId, CancellationToken cancellationToken)
    {
        RequireUserId(userId);
        if (!Ids.IsValid(conversationId))
        {
            return false;
        }

        // The conversation item goes first, on its own: from then on every turn's fence fails (see the class comment), so
        // whatever a turn wrote before that is found by the Query below, and whatever it writes after, it removes itself.
        var pk = ConversationPk(userId, conversationId);
        var existed = (await CallAsync(
            ct => _client.DeleteItemAsync(
                new DeleteItemRequest { TableName = _table, Key = Key(pk, ConversationSk), ReturnValues = ReturnValue.ALL_OLD }, ct),
            cancellationToken)).Attributes is { Count: > 0 };

        // Every other item of the conversation shares its partition key: one Query (per MB) finds them all, keys only.
        var keys = await QueryAllAsync(
            new QueryRequest
            {
                TableName = _table,
                ConsistentRead = true,
                KeyConditionExpression = "PK = :pk",
                ExpressionAttributeValues = new() { [":pk"] = new AttributeValue { S = pk } },
                ProjectionExpression = "PK, SK",
            },
            cancellationToken);

        // The activity item goes last, on its own: the list already hides a conversation whose conversation item is gone, and
        // while the activity item stays, a delete that failed part-way can be found and finished (delete-all retried).
        var activity = keys.Find(k => k[Sk].S == ActivitySk);
        await WriteBatchAsync(
            keys.Where(k => k != activity).Select(k => new WriteRequest { DeleteRequest = new DeleteRequest { Key = k } }).ToList(), cancellationToken);
        if (activity is not null)
        {
            await CallAsync(ct => _client.DeleteItemAsync(new DeleteItemRequest { TableName = _table, Key = activity }, ct), cancellationToken);
        }

        return existed;
    }

    public async Task<AddMessageResult> AddUserMessageAsync(string userId, ConversationMessage message, TurnLease lease, CancellationToken cancellationToken)
    {
        RequireUserId(userId);
        RequireConversationId(message.ConversationId);
        var pk = ConversationPk(userId, message.ConversationId);
        try
        {
            // One conditional PutItem: a user message with a clientMessageId is keyed by it, so a repeat fails the condition.
            await CallAsync(
                ct => _client.PutItemAsync(
                    new PutItemRequest
                    {
                        TableName = _table,
                        Item = MessageItem(pk, message),
                        ConditionExpression = "attribute_not_exists(PK)",
                        ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
                    },
                    ct),
                cancellationToken);
        }
        catch (ConditionalCheckFailedException ex)
        {
            // The rare path: the client repeated itself. DynamoDB returns the original with the failure; emulators may not.
            var original = ex.Item is { Count: > 0 } old
                ? old
                : (await CallAsync(
                    ct => _client.GetItemAsync(new GetItemRequest { TableName = _table, Key = Key(pk, SortKeyOf(message)), ConsistentRead = true }, ct),
                    cancellationToken)).Item;
            if (original is not { Count: > 0 })
            {
                // Deleted between the two requests: the conversation is gone, and so is anything to replay.
                return new AddMessageResult(AddMessageOutcome.NotFound, message, null);
            }

            var stored = ReadMessage(original);
            if (stored.Id != message.Id)
            {
                var answer = (await CallAsync(
                    ct => _client.GetItemAsync(new GetItemRequest { TableName = _table, Key = Key(pk, AnswerSk(stored.Id)), ConsistentRead = true }, ct),
                    cancellationToken)).Item;
                return new AddMessageResult(AddMessageOutcome.Repeated, stored, answer is { Count: > 0 } ? ReadMessage(answer) : null);
            }

            // The SDK retried a put that had landed: this is our own message, not a repeat by the client.
        }

        // The lease is taken on the conversation item after the message is written: that makes it the message's fence.
        var claim = await ClaimAsync(pk, lease, cancellationToken);
        if (claim == TurnClaim.Claimed)
        {
            return new AddMessageResult(AddMessageOutcome.Added, message, null);
        }

        await CallAsync(ct => _client.DeleteItemAsync(new DeleteItemRequest { TableName = _table, Key = Key(pk, SortKeyOf(message)) }, ct), cancellationToken);
        return new AddMessageResult(claim == TurnClaim.Busy ? AddMessageOutcome.Busy : AddMessageOutcome.NotFound, message, null);
    }

    public Task<TurnClaim> ClaimTurnAsync(string userId, string conversationId, TurnLease lease, CancellationToken cancellationToken)
    {
        RequireUserId(userId);
        return Ids.IsValid(conversationId) ? ClaimAsync(ConversationPk(userId, conversationId), lease, cancellationToken) : Task.FromResult(TurnClaim.NotFound);
    }

    public async Task<bool> SaveAssistantMessageAsync(
        string userId, Conversation conversation, ConversationMessage message, TurnLease lease, CancellationToken cancellationToken)
    {
        RequireUserId(userId);
        RequireConversationId(conversation.Id);
        var pk = ConversationPk(userId, conversation.Id);

        // One BatchWriteItem: the answer and the activity item. The title goes to the activity item, as the default that a
        // title on the conversation item (set at creation or by a rename) overrides, so this blind write can't undo a rename.
        // The answer's sort key comes from its question, so it replaces an earlier answer to the same question.
        List<WriteRequest> writes =
            [new WriteRequest { PutRequest = new PutRequest { Item = MessageItem(pk, message) } },
             new WriteRequest { PutRequest = new PutRequest { Item = ActivityItem(pk, conversation, conversation.Title) } }];
        await WriteBatchAsync(writes, cancellationToken);

        // Then the fence: ending the lease is conditional on the conversation item. If the conversation was deleted, these two
        // writes may have landed after the delete's Query, so they are taken back here.
        if (await ReleaseAsync(pk, lease, cancellationToken))
        {
            return true;
        }

        await WriteBatchAsync(
            writes.Select(w => new WriteRequest { DeleteRequest = new DeleteRequest { Key = Key(pk, w.PutRequest.Item[Sk].S) } }).ToList(),
            cancellationToken);
        return false;
    }

    /// <summary>
    /// Takes the turn lease with one conditional UpdateItem on the conversation item: it must exist, and hold no lease or a
    /// lapsed one. Lease times are stored in the key time format, so they compare as strings.
    /// </summary>
    private async Task<TurnClaim> ClaimAsync(string pk, TurnLease lease, CancellationToken cancellationToken) =>
        await UpdateLeaseAsync(
            pk,
            "SET LeaseId = :lease, LeaseUntil = :until",
            "attribute_exists(PK) AND (attribute_not_exists(LeaseUntil) OR LeaseUntil <= :now)",
            new()
            {
                [":lease"] = new AttributeValue { S = lease.Id },
                [":until"] = new AttributeValue { S = FormatTime(lease.ExpiresAt) },
                [":now"] = new AttributeValue { S = FormatTime(lease.TakenAt) },
            },
            cancellationToken) switch
        {
            (Applied: true, _) => TurnClaim.Claimed,
            (_, ConversationExists: true) => TurnClaim.Busy,
            _ => TurnClaim.NotFound,
        };

    /// <summary>
    /// Ends the lease if it is still ours. False when the conversation item is gone; true also when our lease lapsed and
    /// another turn holds the conversation now: it is still there, and its lease is not ours to end.
    /// </summary>
    private async Task<bool> ReleaseAsync(string pk, TurnLease lease, CancellationToken cancellationToken) =>
        (await UpdateLeaseAsync(
            pk,
            "REMOVE LeaseId, LeaseUntil",
            "attribute_exists(PK) AND LeaseId = :lease",
            new() { [":lease"] = new AttributeValue { S = lease.Id } },
            cancellationToken)).ConversationExists;

    /// <summary>One conditional UpdateItem of the lease on the conversation item: whether it applied, and whether the item exists.</summary>
    private async Task<(bool Applied, bool ConversationExists)> UpdateLeaseAsync(
        string pk, string update, string condition, Dictionary<string, AttributeValue> values, CancellationToken cancellationToken)
    {
        try
        {
            await CallAsync(
                ct => _client.UpdateItemAsync(
                    new UpdateItemRequest
                    {
                        TableName = _table,
                        Key = Key(pk, ConversationSk),
                        UpdateExpression = update,
                        ConditionExpression = condition,
                        ExpressionAttributeValues = values,
                        ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
                    },
                    ct),
                cancellationToken);
            return (true, true);
        }
        catch (ConditionalCheckFailedException ex)
        {
            return (false, await ConversationExistsAsync(pk, ex, cancellationToken));
        }
    }

    /// <summary>After a failed condition on the conversation item: was it there? DynamoDB says so in the failure; emulators may not.</summary>
    private async Task<bool> ConversationExistsAsync(string pk, ConditionalCheckFailedException failure, CancellationToken cancellationToken) =>
        failure.Item is { Count: > 0 }
        || (await CallAsync(
            ct => _client.GetItemAsync(
                new GetItemRequest { TableName = _table, Key = Key(pk, ConversationSk), ConsistentRead = true, ProjectionExpression = "PK" }, ct),
            cancellationToken)).Item is { Count: > 0 };

    private async Task<Dictionary<string, Dictionary<string, AttributeValue>>> GetConversationItemsAsync(
        string userId, List<string> partitionKeys, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, Dictionary<string, AttributeValue>>();
        foreach (var chunk in partitionKeys.Distinct().Chunk(BatchGetLimit))
        {
            var pending = new Dictionary<string, KeysAndAttributes>
            {
                [_table] = new KeysAndAttributes { Keys = chunk.Select(pk => Key(pk, ConversationSk)).ToList(), ConsistentRead = true },
            };
            for (var attempt = 0; pending is { Count: > 0 }; attempt++)
            {
                if (attempt > 0)
                {
                    await BackOffAsync(attempt, "BatchGetItem", cancellationToken);
                }

                var request = pending;
                var response = await CallAsync(ct => _client.BatchGetItemAsync(new BatchGetItemRequest { RequestItems = request }, ct), cancellationToken);
                foreach (var item in response.Responses?.GetValueOrDefault(_table) ?? [])
                {
                    found[item[Pk].S] = item;
                }

                pending = response.UnprocessedKeys;
            }
        }

        return found;
    }

    /// <summary>BatchWriteItem in 25s, retrying what DynamoDB leaves unprocessed (under throttling) with backoff.</summary>
    private async Task WriteBatchAsync(List<WriteRequest> writes, CancellationToken cancellationToken)
    {
        foreach (var chunk in writes.Chunk(BatchWriteLimit))
        {
            var pending = new Dictionary<string, List<WriteRequest>> { [_table] = [.. chunk] };
            for (var attempt = 0; pending is { Count: > 0 }; attempt++)
            {
                if (attempt > 0)
                {
                    await BackOffAsync(attempt, "BatchWriteItem", cancellationToken);
                }

                var request = pending;
                var response = await CallAsync(ct => _client.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = request }, ct), cancellationToken);
                pending = response.UnprocessedItems;
            }
        }
    }

    private async Task BackOffAsync(int attempt, string operation, CancellationToken cancellationToken)
    {
        if (attempt > UnprocessedRetries)
        {
            throw new StoreUnavailableException($"DynamoDB left part of a {operation} unprocessed after {UnprocessedRetries} retries (throttled). Try again shortly.");
        }

        LogUnprocessed(_logger, operation, attempt);

        // Full jitter on an exponential base, capped: 50 ms, 100 ms, ... up to 2 s.
        var ceiling = Math.Min(2000, 50 * (1 << Math.Min(attempt - 1, 10)));
        await Task.Delay(Random.Shared.Next(ceiling / 2, ceiling + 1), cancellationToken);
    }

    /// <summary>Every item a Query finds, following LastEvaluatedKey: a Query stops at 1 MB.</summary>
    private async Task<List<Dictionary<string, AttributeValue>>> QueryAllAsync(QueryRequest request, CancellationToken cancellationToken)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        await foreach (var page in QueryPagesAsync(request, cancellationToken))
        {
            items.AddRange(page.Items ?? []);
        }

        return items;
    }

    /// <summary>
    /// A Query page by page, following LastEvaluatedKey (a page ends at Limit or 1 MB); also used by
    /// <see cref="DynamoDbUsageStore"/>. The same request goes out for every page, so a caller may lower its Limit between
    /// pages, and stops reading by leaving the loop.
    /// </summary>
    internal async IAsyncEnumerable<QueryResponse> QueryPagesAsync(
        QueryRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        do
        {
            var response = await CallAsync(ct => _client.QueryAsync(request, ct), cancellationToken);
            yield return response;
            request.ExclusiveStartKey = response.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (request.ExclusiveStartKey is not null);
    }

    /// <summary>
    /// Runs one SDK call, also for <see cref="DynamoDbUsageStore"/>. The SDK has already retried throttling and transient
    /// errors (standard mode, see <see cref="DynamoDbClientFactory"/>); what still fails is reported as
    /// <see cref="StoreUnavailableException"/> (a 503).
    /// </summary>
    internal async Task<T> CallAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call(cancellationToken);
        }
        catch (Exception ex) when (IsUnavailable(ex, cancellationToken))
        {
            LogUnavailable(_logger, ex, _table);
            throw new StoreUnavailableException("The conversation store (DynamoDB) is unavailable or throttling. Try again shortly.", ex);
        }
    }

    private static bool IsUnavailable(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        ConditionalCheckFailedException => false,
        ProvisionedThroughputExceededException or RequestLimitExceededException or InternalServerErrorException => true,
        ResourceNotFoundException => true,
        AmazonServiceException service => service.StatusCode >= HttpStatusCode.InternalServerError
            || service.ErrorCode is "ThrottlingException" or "ServiceUnavailable",
        AmazonClientException => true,
        HttpRequestException => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    private static void RequireConversationId(string conversationId)
    {
        if (!Ids.IsValid(conversationId))
        {
            throw new ArgumentException($"'{conversationId}' is not a conversation id (32 lowercase hex digits).", nameof(conversationId));
        }
    }

    private static Dictionary<string, AttributeValue> ConversationItem(string pk, Conversation conversation)
    {
        var item = Key(pk, ConversationSk);
        item[Lsi1Sk] = new AttributeValue { S = ConversationLsi1Sk };
        item["Id"] = new AttributeValue { S = conversation.Id };
        item["CreatedAt"] = new AttributeValue { S = FormatTime(conversation.CreatedAt) };
        if (!string.IsNullOrEmpty(conversation.Title))
        {
            item["Title"] = new AttributeValue { S = conversation.Title };
        }

        if (!string.IsNullOrEmpty(conversation.ModelId))
        {
            item["ModelId"] = new AttributeValue { S = conversation.ModelId };
        }

        if (!string.IsNullOrEmpty(conversation.Instructions))
        {
            item["Instructions"] = new AttributeValue { S = conversation.Instructions };
        }

        return item;
    }

    private static Dictionary<string, AttributeValue> ActivityItem(string pk, Conversation conversation, string? title)
    {
        var item = Key(pk, ActivitySk);
        item[Lsi1Sk] = new AttributeValue { S = ActivityLsi1Sk };
        item[Gsi1Pk] = new AttributeValue { S = UserGsi1Pk(conversation.UserId) };
        item[Gsi1Sk] = new AttributeValue { S = ActivityGsi1Sk(conversation.UpdatedAt, conversation.Id) };
        item["Id"] = new AttributeValue { S = conversation.Id };
        item["UpdatedAt"] = new AttributeValue { S = FormatTime(conversation.UpdatedAt) };
        if (!string.IsNullOrEmpty(title))
        {
            item["DefaultTitle"] = new AttributeValue { S = title };
        }

        return item;
    }

    private static Conversation ReadConversation(string userId, Dictionary<string, AttributeValue> conversation, Dictionary<string, AttributeValue>? activity)
    {
        var createdAt = ParseTime(conversation["CreatedAt"].S);
        var title = conversation.GetValueOrDefault("Title")?.S ?? activity?.GetValueOrDefault("DefaultTitle")?.S;
        var updatedAt = activity?.GetValueOrDefault("UpdatedAt")?.S is { } at ? ParseTime(at) : createdAt;
        return new Conversation(
            conversation["Id"].S, userId, title, createdAt, updatedAt,
            conversation.GetValueOrDefault("ModelId")?.S, conversation.GetValueOrDefault("Instructions")?.S);
    }

    private static Dictionary<string, AttributeValue> MessageItem(string pk, ConversationMessage message)
    {
        var item = Key(pk, SortKeyOf(message));
        item[Lsi1Sk] = new AttributeValue { S = MessageLsi1Sk(message.CreatedAt, message.Id) };
        item["Id"] = new AttributeValue { S = message.Id };
        item["Role"] = new AttributeValue { S = message.Role == MessageRole.User ? "user" : "assistant" };
        item["CreatedAt"] = new AttributeValue { S = FormatTime(message.CreatedAt) };
        item["Status"] = new AttributeValue { S = message.Status.ToString().ToLowerInvariant() };

        // An answer that failed before its first token is empty; older emulators reject empty strings, so it is left out.
        if (message.Content.Length > 0)
        {
            item["Content"] = new AttributeValue { S = message.Content };
        }

        if (message.ClientMessageId is { } clientMessageId)
        {
            item["ClientMessageId"] = new AttributeValue { S = clientMessageId };
        }

        if (message.ReplyTo is { } replyTo)
        {
            item["ReplyTo"] = new AttributeValue { S = replyTo };
        }

        if (message.Usage is { } usage)
        {
            item["InputTokens"] = new AttributeValue { N = usage.InputTokens.ToString(CultureInfo.InvariantCulture) };
            item["OutputTokens"] = new AttributeValue { N = usage.OutputTokens.ToString(CultureInfo.InvariantCulture) };
        }

        AddAnswerDetails(item, message);
        return item;
    }

    private static ConversationMessage ReadMessage(Dictionary<string, AttributeValue> item) => new(
        item["Id"].S,
        ConversationIdOf(item[Pk].S),
        item["Role"].S == "user" ? MessageRole.User : MessageRole.Assistant,
        item.GetValueOrDefault("Content")?.S ?? "",
        ParseTime(item["CreatedAt"].S),
        item["Status"].S switch
        {
            "stopped" => MessageStatus.Stopped,
            "failed" => MessageStatus.Failed,
            _ => MessageStatus.Complete,
        },
        item.GetValueOrDefault("ClientMessageId")?.S,
        item.GetValueOrDefault("ReplyTo")?.S,
        item.GetValueOrDefault("InputTokens")?.N is { } input && item.GetValueOrDefault("OutputTokens")?.N is { } output
            ? new TokenUsage(int.Parse(input, CultureInfo.InvariantCulture), int.Parse(output, CultureInfo.InvariantCulture))
            : null,
        item.GetValueOrDefault("ModelId")?.S,
        item.GetValueOrDefault("FinishReason")?.S,
        ReadFeedback(item));

    private static string ConversationIdOf(string pk) => pk[(pk.LastIndexOf('#') + 1)..];

    [LoggerMessage(Level = LogLevel.Warning, Message = "DynamoDB table {Table} failed a request after the SDK's retries")]
    private static partial void LogUnavailable(ILogger logger, Exception exception, string table);

    [LoggerMessage(Level = LogLevel.Debug, Message = "DynamoDB left part of a {Operation} unprocessed; retry {Attempt}")]
    private static partial void LogUnprocessed(ILogger logger, string operation, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Storage:DynamoDb:CursorKey is not set: list cursors are signed with a key made up for this process (fine for an emulator)")]
    private static partial void LogEphemeralCursorKey(ILogger logger);
}
