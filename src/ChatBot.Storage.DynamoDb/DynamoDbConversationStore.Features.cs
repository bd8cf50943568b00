using Amazon.DynamoDBv2.Model;
using ChatBot.Core;
using static ChatBot.Storage.DynamoDb.DynamoDbKeys;

namespace ChatBot.Storage.DynamoDb;

// Model choice, custom instructions, edit, continue and feedback. Requests per operation:
// - Update (title, model, instructions): 2 UpdateItem, as a rename.
// - Edit the last question: 1 Query (GetConversation, in ChatService) + 1 UpdateItem (lease) + 1 UpdateItem (question),
//   then as a turn's SaveAssistantMessage. A question gone meanwhile costs 1 more UpdateItem to end the lease.
// - Continue: as regenerate.
// - Feedback: 1 Query over the conversation's answers (A# sort keys; one request per MB of answers) + 1 UpdateItem.
// - User settings: 1 GetItem to read, 1 PutItem to save.
public sealed partial class DynamoDbConversationStore
{
    /// <summary>A rename is an update of the title alone.</summary>
    public Task<Conversation?> RenameConversationAsync(
        string userId, string conversationId, string title, DateTimeOffset updatedAt, CancellationToken cancellationToken) =>
        UpdateConversationAsync(userId, conversationId, new ConversationPatch(Title: title), updatedAt, cancellationToken);

    public async Task<TurnClaim> EditUserMessageAsync(string userId, ConversationMessage question, TurnLease lease, CancellationToken cancellationToken)
    {
        RequireUserId(userId);
        RequireConversationId(question.ConversationId);
        var pk = ConversationPk(userId, question.ConversationId);

        // The lease first, on the conversation item (the fence), so no other turn writes while the question changes.
        var claim = await ClaimAsync(pk, lease, cancellationToken);
        if (claim != TurnClaim.Claimed)
        {
            return claim;
        }

        try
        {
            await CallAsync(
                ct => _client.UpdateItemAsync(
                    new UpdateItemRequest
                    {
                        TableName = _table,
                        Key = Key(pk, SortKeyOf(question)),
                        UpdateExpression = "SET Content = :content",
                        ConditionExpression = "attribute_exists(PK) AND Id = :id",
                        ExpressionAttributeValues = new()
                        {
                            [":content"] = new AttributeValue { S = question.Content },
                            [":id"] = new AttributeValue { S = question.Id },
                        },
                    },
                    ct),
                cancellationToken);
            return TurnClaim.Claimed;
        }
        catch (ConditionalCheckFailedException)
        {
            await ReleaseAsync(pk, lease, cancellationToken);
            return TurnClaim.NotFound;
        }
    }

    public async Task<ConversationMessage?> SetFeedbackAsync(
        string userId, string conversationId, string messageId, MessageFeedback? feedback, CancellationToken cancellationToken)
    {
        RequireUserId(userId);
        if (!Ids.IsValid(conversationId) || !Ids.IsValid(messageId))
        {
            return null;
        }

        // An answer's sort key is made from its question's id, not its own: find it among the conversation's answers.
        var pk = ConversationPk(userId, conversationId);
        string? sortKey = null;
        var answers = QueryPagesAsync(
            new QueryRequest
            {
                TableName = _table,
                ConsistentRead = true,
                KeyConditionExpression = "PK = :pk AND begins_with(SK, :answers)",
                FilterExpression = "Id = :id",
                ExpressionAttributeValues = new()
                {
                    [":pk"] = new AttributeValue { S = pk },
                    [":answers"] = new AttributeValue { S = AnswerSk("") },
                    [":id"] = new AttributeValue { S = messageId },
                },
                ProjectionExpression = "SK",
            },
            cancellationToken);
        await foreach (var response in answers)
        {
            if (response.Items is [var found, ..])
            {
                sortKey = found[Sk].S;
                break;
            }
        }

        if (sortKey is null)
        {
            return null;
        }

        var values = new Dictionary<string, AttributeValue> { [":id"] = new AttributeValue { S = messageId } };
        var update = "REMOVE FeedbackRating, FeedbackComment, FeedbackAt";
        if (feedback is not null)
        {
            var item = new Dictionary<string, AttributeValue>();
            AddFeedback(item, feedback);
            update = "SET " + string.Join(", ", item.Keys.Select(k => $"{k} = :{k}"))
                + (feedback.Comment is null ? " REMOVE FeedbackComment" : "");
            foreach (var (name, value) in item)
            {
                values[$":{name}"] = value;
            }
        }

        try
        {
            // Conditional on the conversation item's partition still holding this answer (a regenerate may have replaced it).
            var updated = await CallAsync(
                ct => _client.UpdateItemAsync(
                    new UpdateItemRequest
                    {
                        TableName = _table,
                        Key = Key(pk, sortKey),
                        UpdateExpression = update,
                        ConditionExpression = "attribute_exists(PK) AND Id = :id",
                        ExpressionAttributeValues = values,
                        ReturnValues = Amazon.DynamoDBv2.ReturnValue.ALL_NEW,
                    },
                    ct),
                cancellationToken);
            return ReadMessage(updated.Attributes);
        }
        catch (ConditionalCheckFailedException)
        {
            return null;
        }
    }

    public async Task<UserSettings> GetUserSettingsAsync(string userId, CancellationToken cancellationToken)
    {
        RequireUserId(userId);
        var item = (await CallAsync(
            ct => _client.GetItemAsync(new GetItemRequest { TableName = _table, Key = Key(SettingsPk(userId), SettingsSk), ConsistentRead = true }, ct),
            cancellationToken)).Item;
        return item is { Count: > 0 } ? new UserSettings(item.GetValueOrDefault("Instructions")?.S) : UserSettings.Empty;
    }

    public async Task SaveUserSettingsAsync(string userId, UserSettings settings, CancellationToken cancellationToken)
    {
        RequireUserId(userId);
        var item = Key(SettingsPk(userId), SettingsSk);
        if (!string.IsNullOrEmpty(settings.Instructions))
        {
            item["Instructions"] = new AttributeValue { S = settings.Instructions };
        }

        await CallAsync(ct => _client.PutItemAsync(new PutItemRequest { TableName = _table, Item = item }, ct), cancellationToken);
    }

    /// <summary>SET what the patch sets, REMOVE what it clears (an empty model or instructions); the title is never cleared.</summary>
    private static (string Expression, Dictionary<string, AttributeValue>? Values) PatchExpression(ConversationPatch patch)
    {
        var set = new List<string>();
        var remove = new List<string>();
        var values = new Dictionary<string, AttributeValue>();
        foreach (var (name, value) in new[] { ("Title", patch.Title), ("ModelId", patch.ModelId), ("Instructions", patch.Instructions) })
        {
            if (value is null)
            {
                continue;
            }

            if (value.Length == 0)
            {
                remove.Add(name);
            }
            else
            {
                set.Add($"{name} = :{name}");
                values[$":{name}"] = new AttributeValue { S = value };
            }
        }

        if (set.Count == 0)
        {
            // Nothing to set: touch the id with itself, so the request still checks that the conversation exists.
            set.Add("Id = Id");
        }

        return ($"SET {string.Join(", ", set)}" + (remove.Count > 0 ? $" REMOVE {string.Join(", ", remove)}" : ""), values.Count > 0 ? values : null);
    }

    private static void AddAnswerDetails(Dictionary<string, AttributeValue> item, ConversationMessage message)
    {
        if (message.ModelId is { Length: > 0 } modelId)
        {
            item["ModelId"] = new AttributeValue { S = modelId };
        }

        if (message.FinishReason is { Length: > 0 } finishReason)
        {
            item["FinishReason"] = new AttributeValue { S = finishReason };
        }

        if (message.Feedback is { } feedback)
        {
            AddFeedback(item, feedback);
        }
    }

    private static void AddFeedback(Dictionary<string, AttributeValue> item, MessageFeedback feedback)
    {
        item["FeedbackRating"] = new AttributeValue { S = feedback.Rating == FeedbackRating.Up ? "up" : "down" };
        item["FeedbackAt"] = new AttributeValue { S = FormatTime(feedback.At) };
        if (feedback.Comment is { Length: > 0 } comment)
        {
            item["FeedbackComment"] = new AttributeValue { S = comment };
        }
    }

    private static MessageFeedback? ReadFeedback(Dictionary<string, AttributeValue> item) =>
        item.GetValueOrDefault("FeedbackRating")?.S is { } rating
            ? new MessageFeedback(
                rating == "up" ? FeedbackRating.Up : FeedbackRating.Down,
                item.GetValueOrDefault("FeedbackComment")?.S,
                item.GetValueOrDefault("FeedbackAt")?.S is { } at ? ParseTime(at) : DateTimeOffset.MinValue)
            : null;
}
