using Amazon.DynamoDBv2.Model;
using ChatBot.Adapters.Tests.Contracts;
using ChatBot.Core;
using ChatBot.Storage.DynamoDb;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatBot.Adapters.Tests;

public sealed class DynamoDbConversationStoreTests(DynamoDbTableFixture table) : ConversationStoreContract, IDisposable
{
    // The second instance has its own client (its own connections), as another Lambda or process would.
    private readonly Amazon.DynamoDBv2.AmazonDynamoDBClient _secondClient = table.CreateClient();

    protected override IConversationStore Store { get; } =
        new DynamoDbConversationStore(table.Client, Microsoft.Extensions.Options.Options.Create(table.Options), NullLogger<DynamoDbConversationStore>.Instance);

    protected override IConversationStore SecondInstance =>
        new DynamoDbConversationStore(_secondClient, Microsoft.Extensions.Options.Options.Create(table.Options), NullLogger<DynamoDbConversationStore>.Instance);

    protected override async Task<int> StoredItemsAsync(string userId, string conversationId)
    {
        var response = await table.Client.QueryAsync(new QueryRequest
        {
            TableName = table.Options.TableName,
            ConsistentRead = true,
            KeyConditionExpression = "PK = :pk",
            ExpressionAttributeValues = new() { [":pk"] = new AttributeValue { S = $"U#{userId}#C#{conversationId}" } },
            Select = Amazon.DynamoDBv2.Select.COUNT,
        });
        return response.Count ?? 0;
    }

    public void Dispose() => _secondClient.Dispose();
}
