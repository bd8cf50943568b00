using ChatBot.Adapters.Tests.Contracts;
using ChatBot.Core.Usage;
using ChatBot.Storage.DynamoDb;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ChatBot.Adapters.Tests;

public sealed class DynamoDbUsageStoreTests(DynamoDbTableFixture table) : UsageStoreContract, IDisposable
{
    // The second instance has its own client (its own connections), as another Lambda or process would.
    private readonly Amazon.DynamoDBv2.AmazonDynamoDBClient _secondClient = table.CreateClient();

    protected override IUsageStore Store { get; } = Create(table.Client, table.Options);

    protected override IUsageStore SecondInstance => Create(_secondClient, table.Options);

    public void Dispose() => _secondClient.Dispose();

    private static DynamoDbUsageStore Create(Amazon.DynamoDBv2.IAmazonDynamoDB client, DynamoDbStoreOptions options) =>
        new(client, Options.Create(options), new DynamoDbConversationStore(client, Options.Create(options), NullLogger<DynamoDbConversationStore>.Instance));
}
