using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using static ChatBot.Storage.DynamoDb.DynamoDbKeys;

namespace ChatBot.Storage.DynamoDb;

/// <summary>
/// The table's schema, for local runs (<c>Storage:DynamoDb:CreateTable=true</c>) and tests. In AWS the CDK stack declares the
/// same schema and owns the table: PK/SK strings, LSI1 on LSI1SK and GSI1 on GSI1PK/GSI1SK (both projecting all
/// attributes), on-demand billing.
/// </summary>
public static class DynamoDbTable
{
    /// <summary>Creates the table unless it exists, then waits until it and its index are active.</summary>
    public static async Task EnsureCreatedAsync(IAmazonDynamoDB client, string tableName, CancellationToken cancellationToken)
    {
        try
        {
            await client.CreateTableAsync(Definition(tableName), cancellationToken);
        }
        catch (ResourceInUseException)
        {
            // It exists already, or another instance is creating it right now: wait for it either way.
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromMinutes(2));
        while (true)
        {
            var table = (await client.DescribeTableAsync(tableName, deadline.Token)).Table;
            if (table.TableStatus == TableStatus.ACTIVE
                && (table.GlobalSecondaryIndexes ?? []).All(index => index.IndexStatus == IndexStatus.ACTIVE))
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token);
        }
    }

    public static CreateTableRequest Definition(string tableName) => new()
    {
        TableName = tableName,
        BillingMode = BillingMode.PAY_PER_REQUEST,
        AttributeDefinitions =
        [
            new AttributeDefinition(Pk, ScalarAttributeType.S),
            new AttributeDefinition(Sk, ScalarAttributeType.S),
            new AttributeDefinition(Lsi1Sk, ScalarAttributeType.S),
            new AttributeDefinition(Gsi1Pk, ScalarAttributeType.S),
            new AttributeDefinition(Gsi1Sk, ScalarAttributeType.S),
        ],
        KeySchema = [new KeySchemaElement(Pk, KeyType.HASH), new KeySchemaElement(Sk, KeyType.RANGE)],
        LocalSecondaryIndexes =
        [
            new LocalSecondaryIndex
            {
                IndexName = Lsi1,
                KeySchema = [new KeySchemaElement(Pk, KeyType.HASH), new KeySchemaElement(Lsi1Sk, KeyType.RANGE)],
                Projection = new Projection { ProjectionType = ProjectionType.ALL },
            },
        ],
        GlobalSecondaryIndexes =
        [
            new GlobalSecondaryIndex
            {
                IndexName = Gsi1,
                KeySchema = [new KeySchemaElement(Gsi1Pk, KeyType.HASH), new KeySchemaElement(Gsi1Sk, KeyType.RANGE)],
                Projection = new Projection { ProjectionType = ProjectionType.ALL },
            },
        ],
    };
}
