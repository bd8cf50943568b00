using System.Globalization;
using ChatBot.Core;
using ChatBot.Core.Usage;
using Microsoft.Data.Sqlite;

namespace ChatBot.Storage.Sqlite;

/// <summary>
/// Usage counters and admins' per-user limits in the conversation database (tables created on first use). A user's day is
/// one row of <c>usage_days</c>; starting a turn or a conversation is one UPSERT whose WHERE clause is the limit check, so
/// SQLite's write lock makes check-and-count one step across every connection and process on the file.
/// </summary>
public sealed class SqliteUsageStore(SqliteConversationStore database) : IUsageStore
{
    private const string DayFormat = "yyyy-MM-dd";

    private readonly Lock _gate = new();
    private Task? _schema;

    public Task<UsageLimit?> BeginTurnAsync(
        string userId, DateTimeOffset at, UserLimits limits, DateTimeOffset staleBefore, CancellationToken cancellationToken) =>
        WriteAsync(async connection =>
        {
            // The minute and the in-flight count restart where their window has passed (a new minute, or nothing begun
            // since before staleBefore); the same expressions are the check and the new value.
            const string InFlight = "(CASE WHEN in_flight_at < $stale THEN 0 ELSE in_flight END)";
            const string Minute = "(CASE WHEN minute = $minute THEN minute_messages ELSE 0 END)";
            await using var command = SqliteConversationStore.Command(
                connection,
                $"""
                INSERT INTO usage_days (user_id, day, in_flight, in_flight_at, minute, minute_messages)
                SELECT $user, $day, 1, $now, $minute, 1 WHERE $at_once > 0 AND $per_minute > 0 AND $tokens > 0
                ON CONFLICT (user_id, day) DO UPDATE SET
                    in_flight = {InFlight} + 1, in_flight_at = $now, minute_messages = {Minute} + 1, minute = $minute
                WHERE {InFlight} < $at_once AND {Minute} < $per_minute AND tokens < $tokens
                """);
            AddDay(command, userId, DateOnly.FromDateTime(at.UtcDateTime));
            command.Parameters.AddWithValue("$now", at.UtcTicks);
            command.Parameters.AddWithValue("$stale", staleBefore.UtcTicks);
            command.Parameters.AddWithValue("$minute", (at.UtcDateTime.Hour * 60) + at.UtcDateTime.Minute);
            command.Parameters.AddWithValue("$at_once", limits.AnswersAtOnce);
            command.Parameters.AddWithValue("$per_minute", limits.MessagesPerMinute);
            command.Parameters.AddWithValue("$tokens", limits.TokensPerDay);
            if (await command.ExecuteNonQueryAsync(cancellationToken) == 1)
            {
                return (UsageLimit?)null;
            }

            // Refused: read which limit, for the message (the check itself was the statement above).
            command.CommandText = $"SELECT {InFlight}, {Minute}, tokens FROM usage_days WHERE user_id = $user AND day = $day";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var (inFlight, messages, tokens) = await reader.ReadAsync(cancellationToken)
                ? (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2))
                : (0L, 0L, 0L);
            return inFlight >= limits.AnswersAtOnce ? UsageLimit.AnswersAtOnce
                : messages >= limits.MessagesPerMinute ? UsageLimit.MessagesPerMinute
                : tokens >= limits.TokensPerDay ? UsageLimit.TokensPerDay
                : UsageLimit.AnswersAtOnce;
        }, cancellationToken);

    public Task EndTurnAsync(string userId, DateOnly day, TurnUsage usage, CancellationToken cancellationToken) =>
        WriteAsync(async connection =>
        {
            await using var transaction = SqliteWriteQueue.Transaction();
            await using var command = SqliteConversationStore.Command(
                connection,
                """
                UPDATE usage_days SET in_flight = MAX(in_flight - 1, 0), turns = turns + $turns, errors = errors + $errors,
                    tokens = tokens + $input + $output
                WHERE user_id = $user AND day = $day
                """);
            AddDay(command, userId, day);
            command.Parameters.AddWithValue("$turns", usage.Answered ? 1 : 0);
            command.Parameters.AddWithValue("$errors", usage.Failed ? 1 : 0);
            command.Parameters.AddWithValue("$input", usage.InputTokens);
            command.Parameters.AddWithValue("$output", usage.OutputTokens);
            await command.ExecuteNonQueryAsync(cancellationToken);
            if (usage.Answered)
            {
                command.CommandText =
                    """
                    INSERT INTO usage_models (user_id, day, model, input_tokens, output_tokens) VALUES ($user, $day, $model, $input, $output)
                    ON CONFLICT (user_id, day, model) DO UPDATE SET
                        input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens
                    """;
                command.Parameters.AddWithValue("$model", usage.Model);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            return true;
        }, cancellationToken);

    public Task<bool> AddConversationAsync(string userId, DateOnly day, int limit, CancellationToken cancellationToken) =>
        WriteAsync(async connection =>
        {
            await using var command = SqliteConversationStore.Command(
                connection,
                """
                INSERT INTO usage_days (user_id, day, conversations) SELECT $user, $day, 1 WHERE $limit > 0
                ON CONFLICT (user_id, day) DO UPDATE SET conversations = conversations + 1 WHERE conversations < $limit
                """);
            AddDay(command, userId, day);
            command.Parameters.AddWithValue("$limit", limit);
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }, cancellationToken);

    public Task<UserLimitsOverride?> GetLimitsAsync(string userId, CancellationToken cancellationToken) =>
        RunAsync(async connection =>
        {
            await using var command = SqliteConversationStore.Command(
                connection,
                "SELECT answers_at_once, messages_per_minute, conversations_per_day, tokens_per_day FROM user_limits WHERE user_id = $user");
            command.Parameters.AddWithValue("$user", userId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken)
                ? new UserLimitsOverride(
                    reader.IsDBNull(0) ? null : reader.GetInt32(0),
                    reader.IsDBNull(1) ? null : reader.GetInt32(1),
                    reader.IsDBNull(2) ? null : reader.GetInt32(2),
                    reader.IsDBNull(3) ? null : reader.GetInt64(3))
                : null;
        }, cancellationToken);

    public Task SetLimitsAsync(string userId, UserLimitsOverride limits, CancellationToken cancellationToken) =>
        WriteAsync(async connection =>
        {
            await using var command = SqliteConversationStore.Command(
                connection,
                limits.IsEmpty
                    ? "DELETE FROM user_limits WHERE user_id = $user"
                    : """
                      INSERT INTO user_limits (user_id, answers_at_once, messages_per_minute, conversations_per_day, tokens_per_day)
                      VALUES ($user, $a, $m, $c, $t)
                      ON CONFLICT (user_id) DO UPDATE SET answers_at_once = $a, messages_per_minute = $m, conversations_per_day = $c, tokens_per_day = $t
                      """);
            command.Parameters.AddWithValue("$user", userId);
            command.Parameters.AddWithValue("$a", (object?)limits.AnswersAtOnce ?? DBNull.Value);
            command.Parameters.AddWithValue("$m", (object?)limits.MessagesPerMinute ?? DBNull.Value);
            command.Parameters.AddWithValue("$c", (object?)limits.ConversationsPerDay ?? DBNull.Value);
            command.Parameters.AddWithValue("$t", (object?)limits.TokensPerDay ?? DBNull.Value);
            await command.ExecuteNonQueryAsync(cancellationToken);
            return true;
        }, cancellationToken);

    public Task<IReadOnlyList<DailyUsage>> GetUsageAsync(string userId, DateOnly from, DateOnly to, CancellationToken cancellationToken) =>
        QueryUsageAsync("AND d.user_id = $user", userId, from, to, cancellationToken);

    public Task<IReadOnlyList<DailyUsage>> GetAllUsageAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken) =>
        QueryUsageAsync("", null, from, to, cancellationToken);

    private Task<IReadOnlyList<DailyUsage>> QueryUsageAsync(
        string userFilter, string? userId, DateOnly from, DateOnly to, CancellationToken cancellationToken) =>
        RunAsync(async connection =>
        {
            await using var command = SqliteConversationStore.Command(
                connection,
                $"""
                SELECT d.user_id, d.day, d.turns, d.errors, d.conversations, m.model, m.input_tokens, m.output_tokens
                FROM usage_days d LEFT JOIN usage_models m ON m.user_id = d.user_id AND m.day = d.day
                WHERE d.day BETWEEN $from AND $to {userFilter}
                ORDER BY d.day, d.user_id, m.model
                """);
            command.Parameters.AddWithValue("$from", from.ToString(DayFormat, CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue("$to", to.ToString(DayFormat, CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue("$user", (object?)userId ?? DBNull.Value);
            var days = new List<DailyUsage>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var user = reader.GetString(0);
                var day = DateOnly.ParseExact(reader.GetString(1), DayFormat, CultureInfo.InvariantCulture);
                if (days.Count == 0 || days[^1].UserId != user || days[^1].Day != day)
                {
                    days.Add(new DailyUsage(user, day, reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), new Dictionary<string, ModelTokens>()));
                }

                if (!reader.IsDBNull(5))
                {
                    ((Dictionary<string, ModelTokens>)days[^1].Models)[reader.GetString(5)] = new ModelTokens(reader.GetInt64(6), reader.GetInt64(7));
                }
            }

            return (IReadOnlyList<DailyUsage>)days;
        }, cancellationToken);

    private static void AddDay(SqliteCommand command, string userId, DateOnly day)
    {
        command.Parameters.AddWithValue("$user", userId);
        command.Parameters.AddWithValue("$day", day.ToString(DayFormat, CultureInfo.InvariantCulture));
    }

    private async Task<T> RunAsync<T>(Func<SqliteConnection, Task<T>> operation, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken);
        return await database.RunAsync(operation, cancellationToken);
    }

    // Writes queue with the conversation store's, one at a time per file (see SqliteConversationStore.WriteAsync).
    private async Task<T> WriteAsync<T>(Func<SqliteConnection, Task<T>> operation, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken);
        return await database.WriteAsync(operation, cancellationToken);
    }

    /// <summary>Its own tables, created once per process with IF NOT EXISTS, so the conversation schema's version is not involved.</summary>
    private Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_schema is null || _schema.IsFaulted)
            {
                _schema = database.WriteAsync(
                    async connection =>
                    {
                        await using var command = SqliteConversationStore.Command(
                            connection,
                            """
                            CREATE TABLE IF NOT EXISTS usage_days (
                                user_id TEXT NOT NULL, day TEXT NOT NULL,
                                in_flight INTEGER NOT NULL DEFAULT 0, in_flight_at INTEGER NOT NULL DEFAULT 0,
                                minute INTEGER NOT NULL DEFAULT -1, minute_messages INTEGER NOT NULL DEFAULT 0,
                                tokens INTEGER NOT NULL DEFAULT 0, turns INTEGER NOT NULL DEFAULT 0, errors INTEGER NOT NULL DEFAULT 0,
                                conversations INTEGER NOT NULL DEFAULT 0,
                                PRIMARY KEY (user_id, day)) WITHOUT ROWID;
                            CREATE TABLE IF NOT EXISTS usage_models (
                                user_id TEXT NOT NULL, day TEXT NOT NULL, model TEXT NOT NULL,
                                input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
                                PRIMARY KEY (user_id, day, model)) WITHOUT ROWID;
                            CREATE INDEX IF NOT EXISTS usage_days_by_day ON usage_days (day);
                            CREATE TABLE IF NOT EXISTS user_limits (
                                user_id TEXT NOT NULL PRIMARY KEY, answers_at_once INTEGER, messages_per_minute INTEGER,
                                conversations_per_day INTEGER, tokens_per_day INTEGER) WITHOUT ROWID;
                            """);
                        await command.ExecuteNonQueryAsync(CancellationToken.None);
                        return true;
                    },
                    CancellationToken.None);
            }

            return _schema.WaitAsync(cancellationToken);
        }
    }
}
