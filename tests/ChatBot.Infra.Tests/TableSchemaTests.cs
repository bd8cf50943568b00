using System.Text.Json.Nodes;
using ChatBot.Storage.DynamoDb;

namespace ChatBot.Infra.Tests;

/// <summary>
/// The stack's conversation table is the table the store builds keys for: the same key schema, attributes and indexes as
/// the store's own definition (which local runs create with Storage:DynamoDb:CreateTable).
/// </summary>
public sealed class TableSchemaTests(SynthFixture fixture)
{
    [Fact]
    public void ConversationTable_HasTheStoresKeysAndIndexes()
    {
        var store = DynamoDbTable.Definition("any");
        foreach (var synthesis in fixture.Both)
        {
            var table = synthesis.One("AWS::DynamoDB::Table")["Properties"]!;

            Assert.Equal(Keys(store.KeySchema), Keys(table["KeySchema"]));
            Assert.Equal(
                store.AttributeDefinitions.Select(a => $"{a.AttributeName}:{a.AttributeType.Value}").Order(),
                table["AttributeDefinitions"]!.AsArray().Select(a => $"{a!["AttributeName"]}:{a["AttributeType"]}").Order());
            Assert.Equal(
                store.LocalSecondaryIndexes.Select(i => $"{i.IndexName} {Keys(i.KeySchema)} {i.Projection.ProjectionType.Value}"),
                table["LocalSecondaryIndexes"]!.AsArray().Select(Index));
            Assert.Equal(
                store.GlobalSecondaryIndexes.Select(i => $"{i.IndexName} {Keys(i.KeySchema)} {i.Projection.ProjectionType.Value}"),
                table["GlobalSecondaryIndexes"]!.AsArray().Select(Index));
            Assert.Equal(store.BillingMode.Value, table["BillingMode"]!.GetValue<string>());
        }
    }

    private static string Keys(List<Amazon.DynamoDBv2.Model.KeySchemaElement> keys) =>
        string.Join(",", keys.Select(k => $"{k.AttributeName}:{k.KeyType.Value}"));

    private static string Keys(JsonNode? keys) =>
        string.Join(",", keys!.AsArray().Select(k => $"{k!["AttributeName"]}:{k["KeyType"]}"));

    private static string Index(JsonNode? index) =>
        $"{index!["IndexName"]} {Keys(index["KeySchema"])} {index["Projection"]!["ProjectionType"]}";
}
