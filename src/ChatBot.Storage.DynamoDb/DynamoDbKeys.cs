using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.DynamoDBv2.Model;

namespace ChatBot.Storage.DynamoDb;

/// <summary>
/// The single-table key design. The table (declared the same way by the CDK stack) has PK/SK, a local index LSI1 on LSI1SK
/// and a global index GSI1 on GSI1PK/GSI1SK. Every partition key, of the table and of GSI1, starts with U#{userId}#, so an
/// IAM policy with dynamodb:LeadingKeys can confine a principal to its own items.
/// <code>
/// item          PK                  SK                LSI1SK                          GSI1PK     GSI1SK
/// conversation  U#{user}#C#{conv}   CONV              ~CONV                           -          -
/// activity      U#{user}#C#{conv}   ACTIVITY          ~ACTIVITY                       U#{user}#  {updatedAt}#{conv}
/// message       U#{user}#C#{conv}   M#{messageId}     M#{createdAt}#{messageId}       -          -
/// user message  U#{user}#C#{conv}   Q#{hash(clientMessageId)}  (as message)           -          -
/// answer        U#{user}#C#{conv}   A#{replyTo}       (as message)                    -          -
/// usage day     U#{user}#USAGE      D#{yyyy-MM-dd}    -                               USAGE#{yyyy-MM}  {yyyy-MM-dd}#{user}
/// user limits   U#{user}#USAGE      LIMITS            -                               -          -
/// </code>
/// <list type="bullet">
/// <item>One conversation is one item collection: a turn's reads are one Query, and delete finds every item with one Query.</item>
/// <item>The conversation item holds what the user sets (title, created); the activity item holds what turns set (last activity,
/// the default title). A turn writes its activity blindly, in the same BatchWriteItem as its answer, and can never overwrite
/// a rename, because a rename writes the other item.</item>
/// <item>LSI1 orders messages by (createdAt, id); "~" sorts after "M", so a descending LSI1 query returns the conversation and
/// activity items first and then the newest messages: the context of a turn in one request.</item>
/// <item>GSI1 holds only activity items (no other item has GSI1PK): a user's conversations, newest activity first.</item>
/// <item>A user message with a clientMessageId has a sort key made from it, so a conditional PutItem makes repeats a no-op
/// without transactions. The answer's sort key is made from the question's id, so a repeat finds it with one GetItem.</item>
/// <item>A user's usage is one item per UTC day (DynamoDbUsageStore): every limit check is one conditional UpdateItem on it.
/// GSI1 also holds these items under one partition per month, so the admin usage view reads every user's days with one
/// Query a month; it is the one partition key that names no user, read only by the admin routes.</item>
/// <item>Times are UTC with seven fraction digits, fixed width, so they sort as strings in time order.</item>
/// </list>
/// </summary>
internal static class DynamoDbKeys
{
    public const string Pk = "PK";
    public const string Sk = "SK";
    public const string Lsi1 = "LSI1";
    public const string Lsi1Sk = "LSI1SK";
    public const string Gsi1 = "GSI1";
    public const string Gsi1Pk = "GSI1PK";
    public const string Gsi1Sk = "GSI1SK";

    public const string ConversationSk = "CONV";
    public const string ActivitySk = "ACTIVITY";
    public const string ConversationLsi1Sk = "~CONV";
    public const string ActivityLsi1Sk = "~ACTIVITY";

    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    /// <summary>Key parts are joined with '#', so a user id must not contain one (conversation and message ids are hex).</summary>
    public static void RequireUserId(string userId)
    {
        if (string.IsNullOrEmpty(userId) || userId.Contains('#', StringComparison.Ordinal))
        {
            throw new ArgumentException("A user id must be non-empty and must not contain '#', which separates key parts.", nameof(userId));
        }
    }

    public static string ConversationPk(string userId, string conversationId) => $"U#{userId}#C#{conversationId}";

    /// <summary>Ends with '#' so that one user's prefix is never a prefix of another user's (LeadingKeys matches U#{user}#*).</summary>
    public static string UserGsi1Pk(string userId) => $"U#{userId}#";

    public static string ActivityGsi1Sk(DateTimeOffset updatedAt, string conversationId) => $"{FormatTime(updatedAt)}#{conversationId}";

    public static string MessageLsi1Sk(DateTimeOffset createdAt, string messageId) => $"M#{FormatTime(createdAt)}#{messageId}";

    /// <summary>A user message with a clientMessageId is keyed by it (hashed: any length or character fits a sort key).</summary>
    public static string QuestionSk(string clientMessageId) =>
        "Q#" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(clientMessageId)));

    public static string AnswerSk(string replyTo) => $"A#{replyTo}";

    public static string MessageSk(string messageId) => $"M#{messageId}";

    public static string SortKeyOf(Core.ConversationMessage message) => message switch
    {
        { Role: Core.MessageRole.User, ClientMessageId: { } clientMessageId } => QuestionSk(clientMessageId),
        { Role: Core.MessageRole.Assistant, ReplyTo: { } replyTo } => AnswerSk(replyTo),
        _ => MessageSk(message.Id),
    };

    public static Dictionary<string, AttributeValue> Key(string pk, string sk) => new()
    {
        [Pk] = new AttributeValue { S = pk },
        [Sk] = new AttributeValue { S = sk },
    };

    public static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.ParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
