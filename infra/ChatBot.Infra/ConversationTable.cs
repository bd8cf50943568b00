using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Constructs;

namespace ChatBot.Infra;

public sealed class ConversationTableProps
{
    /// <summary>RETAIN keeps every conversation when the stack is deleted; DESTROY deletes them.</summary>
    public required RemovalPolicy RemovalPolicy { get; init; }
}

/// <summary>
/// The single conversation table: PK/SK strings, a local index LSI1 on LSI1SK and a global index GSI1 on GSI1PK/GSI1SK.
/// Which items live under which keys (conversations, messages, each user's usage and limits) is written once, where the
/// store builds them (DynamoDbKeys in src/ChatBot.Storage.DynamoDb, and docs/storage.md). Every partition key of the
/// table starts with the user id, so IAM <c>dynamodb:LeadingKeys</c> can confine a principal to its own items.
/// TableSchemaTests proves this table has the keys and indexes the store's own definition (DynamoDbTable.Definition) has.
/// </summary>
public sealed class ConversationTable : Construct
{
    public const string PartitionKey = "PK";
    public const string SortKey = "SK";
    public const string Lsi1Name = "LSI1";
    public const string Lsi1SortKey = "LSI1SK";
    public const string Gsi1Name = "GSI1";
    public const string Gsi1PartitionKey = "GSI1PK";
    public const string Gsi1SortKey = "GSI1SK";

    /// <summary>
    /// The TTL attribute: DynamoDB deletes an item (for free) once this epoch-seconds time has passed. Only usage items carry
    /// it (DynamoDbUsageStore, a year and a bit after their day); conversations are kept until their user deletes them.
    /// </summary>
    public const string TimeToLiveAttribute = "ExpiresAt";

    /// <summary>
    /// Exactly the operations the DynamoDB store calls (DynamoDbConversationStore), and so all the API's role may do on
    /// the table: no Scan, no streams. DeleteItem removes a conversation item first when a conversation is deleted (the fence
    /// that keeps late turns from writing under it; BatchWriteItem can delete too, so it adds no power). The infra tests
    /// compare this list with the store's calls, so a new call fails a test instead of failing on AWS with AccessDenied.
    /// </summary>
    public static readonly string[] DataActions =
    [
        "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query",
        "dynamodb:UpdateItem",
    ];

    public ConversationTable(Construct scope, string id, ConversationTableProps props) : base(scope, id)
    {
        var retain = props.RemovalPolicy != Amazon.CDK.RemovalPolicy.DESTROY;
        Table = new Table(this, "Table", new TableProps
        {
            PartitionKey = new Amazon.CDK.AWS.DynamoDB.Attribute { Name = PartitionKey, Type = AttributeType.STRING },
            SortKey = new Amazon.CDK.AWS.DynamoDB.Attribute { Name = SortKey, Type = AttributeType.STRING },
            // On demand: no capacity to plan, and an idle table costs only its storage.
            BillingMode = BillingMode.PAY_PER_REQUEST,
            PointInTimeRecovery = true,
            Encryption = TableEncryption.AWS_MANAGED,
            RemovalPolicy = props.RemovalPolicy,
            DeletionProtection = retain,
            TimeToLiveAttribute = TimeToLiveAttribute,
        });

        Table.AddLocalSecondaryIndex(new LocalSecondaryIndexProps
        {
            IndexName = Lsi1Name,
            SortKey = new Amazon.CDK.AWS.DynamoDB.Attribute { Name = Lsi1SortKey, Type = AttributeType.STRING },
            ProjectionType = ProjectionType.ALL,
        });

        Table.AddGlobalSecondaryIndex(new GlobalSecondaryIndexProps
        {
            IndexName = Gsi1Name,
            PartitionKey = new Amazon.CDK.AWS.DynamoDB.Attribute { Name = Gsi1PartitionKey, Type = AttributeType.STRING },
            SortKey = new Amazon.CDK.AWS.DynamoDB.Attribute { Name = Gsi1SortKey, Type = AttributeType.STRING },
            ProjectionType = ProjectionType.ALL,
        });
    }

    public Table Table { get; }
}
