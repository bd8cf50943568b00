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
/// The single conversation table. Key design (the same comment sits where the store builds the keys):
/// <list type="bullet">
/// <item>All items of one conversation share <c>PK = U#{userId}#C#{conversationId}</c>: the meta item has
/// <c>SK = META</c>, each message is its own item with <c>SK = M#{messageId}</c> (no 400 KB item limit).</item>
/// <item><c>LSI1SK</c> (local index LSI1, same partition) orders a conversation's messages by time.</item>
/// <item><c>GSI1PK = U#{userId}</c> with <c>GSI1SK = {updatedAt}#{conversationId}</c> on the meta item lists a user's
/// conversations newest first (GSI1).</item>
/// <item>Each user's usage has <c>PK = U#{userId}#USAGE</c>, one item per UTC day (<c>SK = D#{day}</c>, also in GSI1 under
/// <c>USAGE#{yyyy-MM}</c> for the admin usage view, the one GSI1 key that names no user) and the limits an admin set
/// (<c>SK = LIMITS</c>). Day items expire through the table's TTL.</item>
/// <item>Every partition key starts with the user id, so IAM <c>dynamodb:LeadingKeys</c> can confine a principal
/// to its own rows.</item>
/// </list>
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
