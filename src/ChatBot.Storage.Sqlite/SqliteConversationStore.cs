using System.Security.Cryptography;
using ChatBot.Core;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace ChatBot.Storage.Sqlite;

/// <summary>
/// The embedded store: one SQLite file in WAL mode, so reads go on while a turn writes. Every statement filters on
/// <c>user_id</c>, so another user's conversation is simply not found. Times are stored as UTC ticks, which sort like the
/// times they stand for.
/// </summary>
public sealed partial class SqliteConversationStore : IConversationStore
{
    private const int SchemaVersion = 3;

    private readonly string _path;
    private readonly string _connectionString;
    private readonly Lock _gate = new();
    private readonly SqliteWriteQueue _writes;
    private Task? _initialization;
    private byte[] _cursorKey = [];

    public SqliteConversationStore(IOptions<SqliteStoreOptions> options)
    {
        _path = Path.GetFullPath(options.Value.Path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = _path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,

            // How long a statement waits for another connection's write lock before it reports SQLITE_BUSY.
            DefaultTimeout = 30,
        }.ToString();
        _writes = SqliteWriteQueue.For(_path, OpenAsync);
    }

    /// <summary>Creates the data folder, the schema and the cursor key. Runs once; every operation waits for it.</summary>
    public Task InitializeAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            // A failed start (a full disk, say) is tried again by the next call rather than remembered forever.
            if (_initialization is null || _initialization.IsFaulted)
            {
                _initialization = Task.Run(
                    () =>
                    {
                        Initialize();
                        InitializeSearch();
                    },
                    CancellationToken.None);
            }

            return _initialization.WaitAsync(cancellationToken);
        }
    }

    public Task CreateConversationAsync(Conversation conversation, CancellationToken cancellationToken)
    {
        RequireId(conversation.Id, nameof(conversation));
        return WriteAsync(async connection =>
        {
            await using var command = Command(
                connection,
                """
                INSERT INTO conversations (user_id, id, title, created_at, updated_at, model_id, instructions)
                VALUES ($user, $id, CAST($title AS TEXT), $created, $updated, CAST($model AS TEXT), CAST($instructions AS TEXT))
                """);
            AddText(command, "$model", conversation.ModelId);
            AddText(command, "$instructions", conversation.Instructions);
            command.Parameters.AddWithValue("$user", conversation.UserId);
            command.Parameters.AddWithValue("$id", conversation.Id);
            AddText(command, "$title", conversation.Title);
            command.Parameters.AddWithValue("$created", conversation.CreatedAt.UtcTicks);
            command.Parameters.AddWithValue("$updated", conversation.UpdatedAt.UtcTicks);
            await command.ExecuteNonQueryAsync(cancellationToken);
            return true;
        }, cancellationToken);
    }

    public async Task<ConversationPage> ListConversationsAsync(string userId, int limit, string? cursor, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await InitializeAsync(cancellationToken);
        var after = cursor is null ? ((DateTimeOffset, string)?)null : ConversationCursor.Decode(_cursorKey, userId, cursor);

        return await RunAsync(async connection =>
        {
            // The row-value comparison walks the (user_id, updated_at, id) index from the cursor on: no OFFSET, no gaps, no repeats.
            await using var command = Command(
                connection,
                $"""
                SELECT {ConversationColumns} FROM conversations
                WHERE user_id = $user {(after is null ? "" : "AND (updated_at, id) < ($afterUpdated, $afterId)")}
                ORDER BY updated_at DESC, id DESC
                LIMIT $take
                """);
            var (items, next) = await ReadPageAsync(command, userId, limit, after, cancellationToken);
            return new ConversationPage(items, next);
        }, cancellationToken);
    }

    /// <summary>
    /// Runs a query for one page of the user's conversations, newest first, that reads <c>$user</c>, <c>$take</c> (one more
    /// than the page: it tells whether another page exists, so the last page never comes with a dead-end cursor) and, after a
    /// cursor, <c>$afterUpdated</c> and <c>$afterId</c>. The list and search both page this way.
    /// </summary>
    private async Task<(List<Conversation> Page, string? NextCursor)> ReadPageAsync(
        SqliteCommand command, string userId, int limit, (DateTimeOffset UpdatedAt, string Id)? after, CancellationToken cancellationToken)
    {
        command.Parameters.AddWithValue("$user", userId);
        command.Parameters.AddWithValue("$take", (long)limit + 1);
        if (after is var (afterUpdated, afterId))
        {
            command.Parameters.AddWithValue("$afterUpdated", afterUpdated.UtcTicks);
            command.Parameters.AddWithValue("$afterId", afterId);
        }

        var page = new List<Conversation>(limit + 1);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                page.Add(ReadConversation(reader, userId));
            }
        }

        if (page.Count <= limit)
        {
            return (page, null);
        }

        page.RemoveAt(limit);
        return (page, ConversationCursor.Encode(_cursorKey, userId, page[^1].UpdatedAt, page[^1].Id));
    }

    public Task<ConversationContext?> GetConversationAsync(string userId, string conversationId, int maxMessages, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxMessages);
        return RunAsync(async connection =>
        {
            // One read transaction, so the conversation and its messages are one snapshot even while a turn writes.
            await using var transaction = connection.BeginTransaction(deferred: true);
            var conversation = await FindConversationAsync(connection, userId, conversationId, cancellationToken);
            if (conversation is null)
            {
                return null;
            }

            // The newest N, newest first, then turned around: the caller wants them oldest first.
            await using var command = Command(
                connection,
                $"""
                SELECT {MessageColumns} FROM messages
                WHERE user_id = $user AND conversation_id = $conversation
                ORDER BY created_at DESC, id DESC
                LIMIT $take
                """);
            command.Parameters.AddWithValue("$user", userId);
            command.Parameters.AddWithValue("$conversation", conversationId);
            command.Parameters.AddWithValue("$take", maxMessages);
            var messages = await ReadMessagesAsync(command, cancellationToken);
            messages.Reverse();
            return new ConversationContext(conversation, messages);
        }, cancellationToken);
    }

    public Task<bool> DeleteConversationAsync(string userId, string conversationId, CancellationToken cancellationToken) =>
        WriteAsync(async connection =>
        {
            await using var transaction = SqliteWriteQueue.Transaction();
            await using var messages = Command(connection, "DELETE FROM messages WHERE user_id = $user AND conversation_id = $id");
            messages.Parameters.AddWithValue("$user", userId);
            messages.Parameters.AddWithValue("$id", conversationId);
            await messages.ExecuteNonQueryAsync(cancellationToken);

            await using var conversation = Command(connection, "DELETE FROM conversations WHERE user_id = $user AND id = $id");
            conversation.Parameters.AddWithValue("$user", userId);
            conversation.Parameters.AddWithValue("$id", conversationId);
            var deleted = await conversation.ExecuteNonQueryAsync(cancellationToken) > 0;
            await transaction.CommitAsync(cancellationToken);
            return deleted;
        }, cancellationToken);

    public Task<AddMessageResult> AddUserMessageAsync(string userId, ConversationMessage message, TurnLease lease, CancellationToken cancellationToken) =>
        WriteAsync(async connection =>
        {
            // One write transaction: the insert (a no-op once the conversation is deleted), the repeat check and the lease
            // either all happen or none does.
            await using var transaction = SqliteWriteQueue.Transaction();

            // The unique index on (user, conversation, clientMessageId) makes a repeat a no-op instead of a second copy.
            if (!await InsertMessageAsync(connection, userId, message, cancellationToken))
            {
                var original = message.ClientMessageId is null
                    ? null
                    : await FindMessageAsync(connection, userId, message.ConversationId, "client_message_id", message.ClientMessageId, cancellationToken);
                if (original is null)
                {
                    // The conversation is gone: nothing was stored, and nothing is left to find.
                    return new AddMessageResult(AddMessageOutcome.NotFound, message, null);
                }

                var answer = await FindMessageAsync(connection, userId, message.ConversationId, "reply_to", original.Id, cancellationToken);
                return new AddMessageResult(AddMessageOutcome.Repeated, original, answer);
            }

            var claim = await ClaimAsync(connection, userId, message.ConversationId, lease, cancellationToken);
            if (claim != TurnClaim.Claimed)
            {
                // Rolled back with the transaction: the message is not stored.
                return new AddMessageResult(claim == TurnClaim.Busy ? AddMessageOutcome.Busy : AddMessageOutcome.NotFound, message, null);
            }

            await transaction.CommitAsync(cancellationToken);
            return new AddMessageResult(AddMessageOutcome.Added, message, null);
        }, cancellationToken);

    public Task<TurnClaim> ClaimTurnAsync(string userId, string conversationId, TurnLease lease, CancellationToken cancellationToken) =>
        WriteAsync(connection => ClaimAsync(connection, userId, conversationId, lease, cancellationToken), cancellationToken);

    public Task<bool> SaveAssistantMessageAsync(
        string userId, Conversation conversation, ConversationMessage message, TurnLease lease, CancellationToken cancellationToken) =>
        WriteAsync(async connection =>
        {
            await using var transaction = SqliteWriteQueue.Transaction();

            // The turn's title only fills a missing one: a rename that landed while the answer streamed must win. The lease ends
            // here unless it lapsed and another turn took it.
            await using var activity = Command(
                connection,
                """
                UPDATE conversations SET title = coalesce(title, CAST($title AS TEXT)), updated_at = max(updated_at, $updated),
                    lease_id = CASE WHEN lease_id = $lease THEN NULL ELSE lease_id END,
                    lease_until = CASE WHEN lease_id = $lease THEN NULL ELSE lease_until END
                WHERE user_id = $user AND id = $id
                """);
            activity.Parameters.AddWithValue("$user", userId);
            activity.Parameters.AddWithValue("$id", conversation.Id);
            AddText(activity, "$title", conversation.Title);
            activity.Parameters.AddWithValue("$updated", conversation.UpdatedAt.UtcTicks);
            activity.Parameters.AddWithValue("$lease", lease.Id);
            if (await activity.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return false;
            }

            // An answer replaces any earlier answer to the same question (regenerate).
            if (message.ReplyTo is { } replyTo)
            {
                await using var replaced = Command(
                    connection, "DELETE FROM messages WHERE user_id = $user AND conversation_id = $conversation AND reply_to = $replyTo");
                replaced.Parameters.AddWithValue("$user", userId);
                replaced.Parameters.AddWithValue("$conversation", conversation.Id);
                replaced.Parameters.AddWithValue("$replyTo", replyTo);
                await replaced.ExecuteNonQueryAsync(cancellationToken);
            }

            await InsertMessageAsync(connection, userId, message, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return true;
        }, cancellationToken);

    /// <summary>Takes the lease when none is held or the one held has lapsed; tells a held lease from a missing conversation.</summary>
    private static async Task<TurnClaim> ClaimAsync(
        SqliteConnection connection, string userId, string conversationId, TurnLease lease, CancellationToken cancellationToken)
    {
        await using var claim = Command(
            connection,
            """
            UPDATE conversations SET lease_id = $lease, lease_until = $until
            WHERE user_id = $user AND id = $id AND (lease_until IS NULL OR lease_until <= $now)
            """);
        claim.Parameters.AddWithValue("$user", userId);
        claim.Parameters.AddWithValue("$id", conversationId);
        claim.Parameters.AddWithValue("$lease", lease.Id);
        claim.Parameters.AddWithValue("$until", lease.ExpiresAt.UtcTicks);
        claim.Parameters.AddWithValue("$now", lease.TakenAt.UtcTicks);
        if (await claim.ExecuteNonQueryAsync(cancellationToken) > 0)
        {
            return TurnClaim.Claimed;
        }

        return await FindConversationAsync(connection, userId, conversationId, cancellationToken) is null ? TurnClaim.NotFound : TurnClaim.Busy;
    }

    private const string ConversationColumns = "id, title, created_at, updated_at, model_id, instructions";

    private const string MessageColumns =
        "id, conversation_id, role, content, created_at, status, client_message_id, reply_to, input_tokens, output_tokens, " +
        "model_id, finish_reason, feedback_rating, feedback_comment, feedback_at";

    /// <summary>Inserts unless the conversation is gone or the message (or its clientMessageId) is already there.</summary>
    private static async Task<bool> InsertMessageAsync(SqliteConnection connection, string userId, ConversationMessage message, CancellationToken cancellationToken)
    {
        await using var command = Command(
            connection,
            $"""
            INSERT INTO messages (user_id, {MessageColumns})
            SELECT $user, $id, $conversation, $role, CAST($content AS TEXT), $created, $status, CAST($client AS TEXT), $replyTo, $input, $output,
                CAST($model AS TEXT), $finish, $rating, CAST($comment AS TEXT), $ratedAt
            WHERE EXISTS (SELECT 1 FROM conversations WHERE user_id = $user AND id = $conversation)
            ON CONFLICT DO NOTHING
            """);
        command.Parameters.AddWithValue("$user", userId);
        command.Parameters.AddWithValue("$id", message.Id);
        command.Parameters.AddWithValue("$conversation", message.ConversationId);
        command.Parameters.AddWithValue("$role", RoleName(message.Role));
        AddText(command, "$content", message.Content);
        command.Parameters.AddWithValue("$created", message.CreatedAt.UtcTicks);
        command.Parameters.AddWithValue("$status", StatusName(message.Status));
        AddText(command, "$client", message.ClientMessageId);
        command.Parameters.AddWithValue("$replyTo", (object?)message.ReplyTo ?? DBNull.Value);
        command.Parameters.AddWithValue("$input", (object?)message.Usage?.InputTokens ?? DBNull.Value);
        command.Parameters.AddWithValue("$output", (object?)message.Usage?.OutputTokens ?? DBNull.Value);
        AddText(command, "$model", message.ModelId);
        command.Parameters.AddWithValue("$finish", (object?)message.FinishReason ?? DBNull.Value);
        AddFeedback(command, message.Feedback);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    private static async Task<Conversation?> FindConversationAsync(SqliteConnection connection, string userId, string conversationId, CancellationToken cancellationToken)
    {
        await using var command = Command(
            connection, $"SELECT {ConversationColumns} FROM conversations WHERE user_id = $user AND id = $id");
        command.Parameters.AddWithValue("$user", userId);
        command.Parameters.AddWithValue("$id", conversationId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadConversation(reader, userId) : null;
    }

    private static async Task<ConversationMessage?> FindMessageAsync(
        SqliteConnection connection, string userId, string conversationId, string column, string value, CancellationToken cancellationToken)
    {
        await using var command = Command(
            connection,
            $"""
            SELECT {MessageColumns} FROM messages
            WHERE user_id = $user AND conversation_id = $conversation AND {column} = CAST($value AS TEXT)
            ORDER BY created_at, id
            LIMIT 1
            """);
        command.Parameters.AddWithValue("$user", userId);
        command.Parameters.AddWithValue("$conversation", conversationId);
        AddText(command, "$value", value);
        return (await ReadMessagesAsync(command, cancellationToken)) is [var found] ? found : null;
    }

    private static async Task<List<ConversationMessage>> ReadMessagesAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var messages = new List<ConversationMessage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            messages.Add(new ConversationMessage(
                reader.GetString(0),
                reader.GetString(1),
                ParseRole(reader.GetString(2)),
                reader.GetString(3),
                new DateTimeOffset(reader.GetInt64(4), TimeSpan.Zero),
                ParseStatus(reader.GetString(5)),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.IsDBNull(8) ? null : new TokenUsage(reader.GetInt32(8), reader.GetInt32(9)),
                reader.IsDBNull(10) ? null : reader.GetString(10),
                reader.IsDBNull(11) ? null : reader.GetString(11),
                reader.IsDBNull(12) ? null : new MessageFeedback(
                    ParseRating(reader.GetString(12)),
                    reader.IsDBNull(13) ? null : reader.GetString(13),
                    new DateTimeOffset(reader.GetInt64(14), TimeSpan.Zero))));
        }

        return messages;
    }

    private static Conversation ReadConversation(SqliteDataReader reader, string userId) => new(
        reader.GetString(0),
        userId,
        reader.IsDBNull(1) ? null : reader.GetString(1),
        new DateTimeOffset(reader.GetInt64(2), TimeSpan.Zero),
        new DateTimeOffset(reader.GetInt64(3), TimeSpan.Zero),
        reader.IsDBNull(4) ? null : reader.GetString(4),
        reader.IsDBNull(5) ? null : reader.GetString(5));

    /// <summary>
    /// Binds user text as UTF-8 bytes, for SQL to <c>CAST(... AS TEXT)</c>: Microsoft.Data.Sqlite binds a longer string as a
    /// C string, which silently ends it at the first NUL character.
    /// </summary>
    private static void AddText(SqliteCommand command, string name, string? value) =>
        command.Parameters.Add(name, SqliteType.Blob).Value = value is null ? DBNull.Value : System.Text.Encoding.UTF8.GetBytes(value);

    internal static SqliteCommand Command(SqliteConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    private static string RoleName(MessageRole role) => role == MessageRole.User ? "user" : "assistant";

    private static MessageRole ParseRole(string role) => role == "user" ? MessageRole.User : MessageRole.Assistant;

    private static string StatusName(MessageStatus status) => status switch
    {
        MessageStatus.Stopped => "stopped",
        MessageStatus.Failed => "failed",
        _ => "complete",
    };

    private static MessageStatus ParseStatus(string status) => status switch
    {
        "stopped" => MessageStatus.Stopped,
        "failed" => MessageStatus.Failed,
        _ => MessageStatus.Complete,
    };

    private static void RequireId(string id, string parameter)
    {
        if (!Ids.IsValid(id))
        {
            throw new ArgumentException($"'{id}' is not a conversation id (32 lowercase hex digits).", parameter);
        }
    }

    /// <summary>
    /// Runs a write through the file's write queue (<see cref="SqliteWriteQueue"/>): one at a time in this process, committed
    /// together with the writes waiting at the same moment. Every write to the file goes through here, the usage counters
    /// (<see cref="SqliteUsageStore"/>) too. A write that needs several statements to be all or nothing takes
    /// <see cref="SqliteWriteQueue.Transaction"/>.
    /// </summary>
    internal Task<T> WriteAsync<T>(Func<SqliteConnection, Task<T>> operation, CancellationToken cancellationToken) =>
        CallAsync(() => _writes.RunAsync(operation, cancellationToken), cancellationToken);

    /// <summary>Runs on a fresh pooled connection once the schema exists; also used by <see cref="SqliteUsageStore"/>.</summary>
    internal Task<T> RunAsync<T>(Func<SqliteConnection, Task<T>> operation, CancellationToken cancellationToken) =>
        CallAsync(
            async () =>
            {
                await using var connection = await OpenAsync(cancellationToken);
                return await operation(connection);
            },
            cancellationToken);

    /// <summary>A read or a write once the schema exists, with the store's transient failures as <see cref="StoreUnavailableException"/>.</summary>
    private async Task<T> CallAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken);
        try
        {
            return await call();
        }
        catch (SqliteException ex) when (IsTransient(ex))
        {
            throw new StoreUnavailableException($"The conversation database at '{_path}' is busy or cannot be written ({ex.SqliteErrorCode}).", ex);
        }
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);

            // In WAL mode, NORMAL syncs at checkpoints instead of on every commit. A commit still survives the app
            // crashing; only a power loss or OS crash may roll back the last commits, and never corrupts the file. Syncing
            // every commit capped concurrent turns at about 29/s on the benchmark machine, NORMAL allowed about 300/s
            // (docs/benchmarks.md, load section). The setting belongs to the connection, so it is set on each open.
            await using var sync = Command(connection, "PRAGMA synchronous = NORMAL");
            await sync.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    // Busy/locked outlasted the timeout, or the disk failed or filled up: the caller may retry later; anything else is a bug.
    private static bool IsTransient(SqliteException ex) => (ex.SqliteErrorCode & 0xFF) is 5 or 6 or 10 or 13 or 14;

    private void Initialize()
    {
        var folder = Path.GetDirectoryName(_path)!;
        Directory.CreateDirectory(folder);
        _cursorKey = LoadOrCreateCursorKey(Path.Combine(folder, Path.GetFileNameWithoutExtension(_path) + ".cursor-key"));

        using var connection = new SqliteConnection(_connectionString);
        connection.Open();

        // WAL is a property of the file: set once, it holds for every later connection.
        using (var wal = Command(connection, "PRAGMA journal_mode = WAL"))
        {
            wal.ExecuteNonQuery();
        }

        using var version = Command(connection, "PRAGMA user_version");
        var current = Convert.ToInt32(version.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        if (current > SchemaVersion)
        {
            throw new InvalidOperationException(
                $"The database at '{_path}' has schema version {current}, newer than this build understands ({SchemaVersion}). Run a newer ChatBot or point Storage:Sqlite:Path elsewhere.");
        }

        if (current == SchemaVersion)
        {
            return;
        }

        // One transaction from whatever version the file has to this build's: a fresh file gets the version 2 tables, then
        // every upgrade since runs in order, so new and upgraded databases end up with the same schema.
        using var transaction = connection.BeginTransaction();
        if (current == 0)
        {
            Execute(connection, CreateVersion2);
        }
        else if (current == 1)
        {
            // Version 2 adds the turn lease: at most one answer is written per conversation at a time, across processes.
            Execute(connection, UpgradeTo2);
        }

        Execute(connection, UpgradeTo3);
        Execute(connection, $"PRAGMA user_version = {SchemaVersion}");
        transaction.Commit();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = Command(connection, sql);
        command.ExecuteNonQuery();
    }

    private const string UpgradeTo2 =
        """
        ALTER TABLE conversations ADD COLUMN lease_id TEXT;
        ALTER TABLE conversations ADD COLUMN lease_until INTEGER;
        """;

    /// <summary>
    /// Version 3: the conversation's chosen model and instructions; each answer's model, finish reason and feedback; and
    /// each user's settings.
    /// </summary>
    private const string UpgradeTo3 =
        """
        ALTER TABLE conversations ADD COLUMN model_id TEXT;
        ALTER TABLE conversations ADD COLUMN instructions TEXT;
        ALTER TABLE messages ADD COLUMN model_id TEXT;
        ALTER TABLE messages ADD COLUMN finish_reason TEXT;
        -- 'up' or 'down'; comment and time (UTC ticks) only with a rating.
        ALTER TABLE messages ADD COLUMN feedback_rating TEXT;
        ALTER TABLE messages ADD COLUMN feedback_comment TEXT;
        ALTER TABLE messages ADD COLUMN feedback_at INTEGER;

        CREATE TABLE user_settings (
            user_id      TEXT NOT NULL PRIMARY KEY,
            instructions TEXT
        ) WITHOUT ROWID;
        """;

    private const string CreateVersion2 =
        """
        CREATE TABLE conversations (
            user_id     TEXT    NOT NULL,
            id          TEXT    NOT NULL,
            title       TEXT,
            created_at  INTEGER NOT NULL,
            updated_at  INTEGER NOT NULL,
            -- The turn lease: which turn may write the conversation's answer, and until when (UTC ticks).
            lease_id    TEXT,
            lease_until INTEGER,
            PRIMARY KEY (user_id, id)
        ) WITHOUT ROWID;

        -- The list: one user's conversations, newest activity first.
        CREATE INDEX conversations_by_activity ON conversations (user_id, updated_at DESC, id DESC);

        CREATE TABLE messages (
            user_id           TEXT    NOT NULL,
            id                TEXT    NOT NULL,
            conversation_id   TEXT    NOT NULL,
            role              TEXT    NOT NULL,
            content           TEXT    NOT NULL,
            created_at        INTEGER NOT NULL,
            status            TEXT    NOT NULL,
            client_message_id TEXT,
            reply_to          TEXT,
            input_tokens      INTEGER,
            output_tokens     INTEGER,
            PRIMARY KEY (user_id, conversation_id, id)
        );

        -- A conversation's messages in their order: (created_at, id).
        CREATE INDEX messages_by_time ON messages (user_id, conversation_id, created_at, id);

        -- Idempotent sends: one message per clientMessageId in a conversation.
        CREATE UNIQUE INDEX messages_by_client_id ON messages (user_id, conversation_id, client_message_id)
            WHERE client_message_id IS NOT NULL;

        -- A repeated send finds the answer to the original.
        CREATE INDEX messages_by_reply ON messages (user_id, conversation_id, reply_to) WHERE reply_to IS NOT NULL;
        """;

    /// <summary>The cursor signing key lives beside the database, so cursors survive restarts and die with the data.</summary>
    private static byte[] LoadOrCreateCursorKey(string path)
    {
        if (!File.Exists(path))
        {
            // Written aside and moved into place, so a second process starting at the same time never reads half a key.
            var draft = $"{path}.{Environment.ProcessId}.tmp";
            File.WriteAllBytes(draft, RandomNumberGenerator.GetBytes(ConversationCursor.MinKeyBytes));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(draft, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            try
            {
                File.Move(draft, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(draft);
            }
        }

        var key = File.ReadAllBytes(path);
        return key.Length >= ConversationCursor.MinKeyBytes
            ? key
            : throw new InvalidOperationException($"The cursor key '{path}' is damaged. Delete it; list cursors issued before will stop working.");
    }
}
