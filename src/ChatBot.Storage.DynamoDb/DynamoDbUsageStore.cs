using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ChatBot.Core.Usage;
using Microsoft.Extensions.Options;
using static ChatBot.Storage.DynamoDb.DynamoDbKeys;

namespace ChatBot.Storage.DynamoDb;

/// <summary>
/// Usage counters in the conversation table: one item per user and UTC day (keys in <see cref="DynamoDbKeys"/>), removed by
/// the table's TTL a year later. Requests:
/// <list type="bullet">
/// <item>A turn: 1 conditional UpdateItem as it starts (ADD to the day's in-flight and minute counters, on the condition that
/// each, and the day's tokens, is under the user's limit) and 1 UpdateItem as it ends (ADD tokens, turns, errors).</item>
/// <item>A refused turn: the failed UpdateItem and 1 GetItem to name the limit.</item>
/// <item>A new conversation: 1 conditional UpdateItem. A user's stored limits: 1 GetItem, cached by the limiter.</item>
/// </list>
/// Single-item conditional updates are atomic, so concurrent requests on any number of instances never pass a limit.
/// </summary>
public sealed class DynamoDbUsageStore(IAmazonDynamoDB client, IOptions<DynamoDbStoreOptions> options, DynamoDbConversationStore database) : IUsageStore
{
    private const string LimitsSk = "LIMITS";
    private const string InFlight = "InFlight";
    private const string InFlightAt = "InFlightAt";
    private const string Tokens = "Tokens";
    private const string Turns = "Turns";
    private const string Errors = "Errors";
    private const string Conversations = "Conversations";
    /// <summary>The table's TTL attribute (the stack's ConversationTable.TimeToLiveAttribute; an infra test compares them).</summary>
    public const string ExpiresAt = "ExpiresAt";
    private const string InputPrefix = "In#";
    private const string OutputPrefix = "Out#";

    /// <summary>How long a day's usage is kept (the TTL attribute the stack enables on the table).</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(400);

    private readonly string _table = options.Value.TableName;

    public async Task<UsageLimit?> BeginTurnAsync(
        string userId, DateTimeOffset at, UserLimits limits, DateTimeOffset staleBefore, CancellationToken cancellationToken)
    {
        if (limits.AnswersAtOnce <= 0 || limits.MessagesPerMinute <= 0 || limits.TokensPerDay <= 0)
        {
            return limits.AnswersAtOnce <= 0 ? UsageLimit.AnswersAtOnce : limits.MessagesPerMinute <= 0 ? UsageLimit.MessagesPerMinute : UsageLimit.TokensPerDay;
        }

        var day = DateOnly.FromDateTime(at.UtcDateTime);
        var minute = "Min#" + at.UtcDateTime.ToString("HHmm", CultureInfo.InvariantCulture);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await database.CallAsync(
                    ct => client.UpdateItemAsync(
                        new UpdateItemRequest
                        {
                            TableName = _table,
                            Key = DayKey(userId, day),
                            UpdateExpression = $"SET #minute = if_not_exists(#minute, :zero) + :one, {InFlightAt} = :now, {DaySetters} ADD {InFlight} :one",
                            ConditionExpression =
                                $"(attribute_not_exists(#minute) OR #minute < :perMinute) AND (attribute_not_exists({InFlight}) OR {InFlight} < :atOnce) " +
                                $"AND (attribute_not_exists({Tokens}) OR {Tokens} < :tokens)",
                            ExpressionAttributeNames = new() { ["#minute"] = minute },
                            ExpressionAttributeValues = DayValues(userId, day, new()
                            {
                                [":zero"] = Number(0),
                                [":one"] = Number(1),
                                [":now"] = Number(at.UtcTicks),
                                [":perMinute"] = Number(limits.MessagesPerMinute),
                                [":atOnce"] = Number(limits.AnswersAtOnce),
                                [":tokens"] = Number(limits.TokensPerDay),
                            }),
                        },
                        ct),
                    cancellationToken);
                return null;
            }
            catch (ConditionalCheckFailedException)
            {
                var item = (await database.CallAsync(
                    ct => client.GetItemAsync(new GetItemRequest { TableName = _table, Key = DayKey(userId, day), ConsistentRead = true }, ct),
                    cancellationToken)).Item ?? [];
                var inFlight = Read(item, InFlight);
                if (inFlight >= limits.AnswersAtOnce && Read(item, InFlightAt) < staleBefore.UtcTicks && attempt == 0)
                {
                    // Nothing has begun for longer than any answer may last, so the count is of answers whose instance died.
                    await ResetInFlightAsync(userId, day, Read(item, InFlightAt), cancellationToken);
                    continue;
                }

                return inFlight >= limits.AnswersAtOnce ? UsageLimit.AnswersAtOnce
                    : Read(item, minute) >= limits.MessagesPerMinute ? UsageLimit.MessagesPerMinute
                    : Read(item, Tokens) >= limits.TokensPerDay ? UsageLimit.TokensPerDay
                    : UsageLimit.AnswersAtOnce;
            }
        }
    }

    public Task EndTurnAsync(string userId, DateOnly day, TurnUsage usage, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, AttributeValue> { [":minus"] = Number(-1) };
        var names = new Dictionary<string, string>();
        var update = $"ADD {InFlight} :minus";
        if (usage.Answered)
        {
            update += $", {Turns} :turns, {Errors} :errors, {Tokens} :tokens, #input :input, #output :output";
            names["#input"] = InputPrefix + usage.Model;
            names["#output"] = OutputPrefix + usage.Model;
            values[":turns"] = Number(1);
            values[":errors"] = Number(usage.Failed ? 1 : 0);
            values[":tokens"] = Number(usage.InputTokens + usage.OutputTokens);
            values[":input"] = Number(usage.InputTokens);
            values[":output"] = Number(usage.OutputTokens);
        }

        return database.CallAsync(
            ct => client.UpdateItemAsync(
                new UpdateItemRequest
                {
                    TableName = _table,
                    Key = DayKey(userId, day),
                    UpdateExpression = update,
                    ExpressionAttributeNames = names.Count == 0 ? null : names,
                    ExpressionAttributeValues = values,
                },
                ct),
            cancellationToken);
    }

    public async Task<bool> AddConversationAsync(string userId, DateOnly day, int limit, CancellationToken cancellationToken)
    {
        if (limit <= 0)
        {
            return false;
        }

        try
        {
            await database.CallAsync(
                ct => client.UpdateItemAsync(
                    new UpdateItemRequest
                    {
                        TableName = _table,
                        Key = DayKey(userId, day),
                        UpdateExpression = $"SET {DaySetters} ADD {Conversations} :one",
                        ConditionExpression = $"attribute_not_exists({Conversations}) OR {Conversations} < :limit",
                        ExpressionAttributeValues = DayValues(userId, day, new() { [":one"] = Number(1), [":limit"] = Number(limit) }),
                    },
                    ct),
                cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public async Task<UserLimitsOverride?> GetLimitsAsync(string userId, CancellationToken cancellationToken)
    {
        var item = (await database.CallAsync(
            ct => client.GetItemAsync(new GetItemRequest { TableName = _table, Key = Key(UsagePk(userId), LimitsSk), ConsistentRead = true }, ct),
            cancellationToken)).Item;
        return item is { Count: > 0 }
            ? new UserLimitsOverride(
                (int?)ReadOptional(item, nameof(UserLimits.AnswersAtOnce)),
                (int?)ReadOptional(item, nameof(UserLimits.MessagesPerMinute)),
                (int?)ReadOptional(item, nameof(UserLimits.ConversationsPerDay)),
                ReadOptional(item, nameof(UserLimits.TokensPerDay)))
            : null;
    }

    public Task SetLimitsAsync(string userId, UserLimitsOverride limits, CancellationToken cancellationToken)
    {
        var key = Key(UsagePk(userId), LimitsSk);
        if (limits.IsEmpty)
        {
            return database.CallAsync(ct => client.DeleteItemAsync(new DeleteItemRequest { TableName = _table, Key = key }, ct), cancellationToken);
        }

        var item = new Dictionary<string, AttributeValue>(key);
        foreach (var (name, value) in new (string, long?)[]
        {
            (nameof(UserLimits.AnswersAtOnce), limits.AnswersAtOnce),
            (nameof(UserLimits.MessagesPerMinute), limits.MessagesPerMinute),
            (nameof(UserLimits.ConversationsPerDay), limits.ConversationsPerDay),
            (nameof(UserLimits.TokensPerDay), limits.TokensPerDay),
        })
        {
            if (value is { } number)
            {
                item[name] = Number(number);
            }
        }

        return database.CallAsync(ct => client.PutItemAsync(new PutItemRequest { TableName = _table, Item = item }, ct), cancellationToken);
    }

    public Task<IReadOnlyList<DailyUsage>> GetUsageAsync(string userId, DateOnly from, DateOnly to, CancellationToken cancellationToken) =>
        QueryAsync(
            [new QueryRequest
            {
                TableName = _table,
                KeyConditionExpression = $"{Pk} = :pk AND {Sk} BETWEEN :from AND :to",
                ExpressionAttributeValues = new()
                {
                    [":pk"] = new AttributeValue { S = UsagePk(userId) },
                    [":from"] = new AttributeValue { S = DaySk(from) },
                    [":to"] = new AttributeValue { S = DaySk(to) },
                },
                ConsistentRead = true,
            }],
            cancellationToken);

    public Task<IReadOnlyList<DailyUsage>> GetAllUsageAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var months = new List<QueryRequest>();
        for (var month = new DateOnly(from.Year, from.Month, 1); month <= to; month = month.AddMonths(1))
        {
            months.Add(new QueryRequest
            {
                TableName = _table,
                IndexName = Gsi1,
                KeyConditionExpression = $"{Gsi1Pk} = :month AND {Gsi1Sk} BETWEEN :from AND :to",
                ExpressionAttributeValues = new()
                {
                    [":month"] = new AttributeValue { S = MonthGsi1Pk(month) },
                    [":from"] = new AttributeValue { S = Format(from) + "#" },
                    [":to"] = new AttributeValue { S = Format(to) + "#~" },
                },
            });
        }

        return QueryAsync(months, cancellationToken);
    }

    private async Task<IReadOnlyList<DailyUsage>> QueryAsync(List<QueryRequest> requests, CancellationToken cancellationToken)
    {
        var days = new List<DailyUsage>();
        foreach (var request in requests)
        {
            await foreach (var response in database.QueryPagesAsync(request, cancellationToken))
            {
                days.AddRange((response.Items ?? []).Where(i => i[Sk].S.StartsWith("D#", StringComparison.Ordinal)).Select(ToDailyUsage));
            }
        }

        return days.OrderBy(d => d.Day).ThenBy(d => d.UserId, StringComparer.Ordinal).ToList();
    }

    private static DailyUsage ToDailyUsage(Dictionary<string, AttributeValue> item)
    {
        var models = new Dictionary<string, ModelTokens>(StringComparer.Ordinal);
        foreach (var name in item.Keys.Where(k => k.StartsWith(InputPrefix, StringComparison.Ordinal)))
        {
            var model = name[InputPrefix.Length..];
            models[model] = new ModelTokens(Read(item, name), Read(item, OutputPrefix + model));
        }

        var pk = item[Pk].S;
        return new DailyUsage(
            pk[2..pk.LastIndexOf("#USAGE", StringComparison.Ordinal)],
            DateOnly.ParseExact(item[Sk].S[2..], "yyyy-MM-dd", CultureInfo.InvariantCulture),
            Read(item, Turns),
            Read(item, Errors),
            Read(item, Conversations),
            models);
    }

    private Task<bool> ResetInFlightAsync(string userId, DateOnly day, long seen, CancellationToken cancellationToken) =>
        database.CallAsync(
            async ct =>
            {
                try
                {
                    await client.UpdateItemAsync(
                        new UpdateItemRequest
                        {
                            TableName = _table,
                            Key = DayKey(userId, day),
                            UpdateExpression = $"SET {InFlight} = :zero",
                            ConditionExpression = $"{InFlightAt} = :seen",
                            ExpressionAttributeValues = new() { [":zero"] = Number(0), [":seen"] = Number(seen) },
                        },
                        ct);
                }
                catch (ConditionalCheckFailedException)
                {
                    // Another turn began meanwhile: its update stands, and the next check reads it.
                }

                return true;
            },
            cancellationToken);

    /// <summary>What every write of a day item sets, so the first write of the day makes it complete: index keys and expiry.</summary>
    private const string DaySetters = $"{Gsi1Pk} = :gsi1pk, {Gsi1Sk} = :gsi1sk, {ExpiresAt} = :expires";

    private static Dictionary<string, AttributeValue> DayValues(string userId, DateOnly day, Dictionary<string, AttributeValue> values)
    {
        values[":gsi1pk"] = new AttributeValue { S = MonthGsi1Pk(day) };
        values[":gsi1sk"] = new AttributeValue { S = $"{Format(day)}#{userId}" };
        values[":expires"] = Number(new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).Add(Retention).ToUnixTimeSeconds());
        return values;
    }

    private static string UsagePk(string userId)
    {
        RequireUserId(userId);
        return $"U#{userId}#USAGE";
    }

    private static Dictionary<string, AttributeValue> DayKey(string userId, DateOnly day) => Key(UsagePk(userId), DaySk(day));

    private static string DaySk(DateOnly day) => "D#" + Format(day);

    private static string MonthGsi1Pk(DateOnly day) => "USAGE#" + day.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    private static string Format(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static AttributeValue Number(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    private static long Read(Dictionary<string, AttributeValue> item, string name) => ReadOptional(item, name) ?? 0;

    private static long? ReadOptional(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) && value.N is { } n ? long.Parse(n, CultureInfo.InvariantCulture) : null;
}
