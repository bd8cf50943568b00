using ChatBot.Adapters.Tests.Contracts;
using ChatBot.Core;
using ChatBot.Storage.DynamoDb;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatBot.Adapters.Tests;

public sealed class DynamoDbConversationStoreTests(DynamoDbTableFixture table) : ConversationStoreContract
{
    protected override IConversationStore Store { get; } =
        new DynamoDbConversationStore(table.Client, Microsoft.Extensions.Options.Options.Create(table.Options), NullLogger<DynamoDbConversationStore>.Instance);
}
