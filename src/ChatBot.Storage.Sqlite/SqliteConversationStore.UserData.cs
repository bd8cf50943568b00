using ChatBot.Core;
using Microsoft.Data.Sqlite;

namespace ChatBot.Storage.Sqlite;

/// <summary>
/// Search and delete-all. Search runs on two FTS5 indexes, folded by the unicode61 tokenizer (case, and accents with
/// <c>remove_diacritics 2</c>): <c>messages_fts</c> indexes message content, reading the text from <c>messages</c> itself
/// (external content, no second copy), and <c>conversation_titles_fts</c> indexes titles. Triggers keep both current inside
/// the transaction of every write, so the index can never disagree with the data.
/// </summary>
public sealed partial class SqliteConversationStore
{
    private const string Tokenizer = "unicode61 remove_diacritics 2";

    public async Task<SearchPage> SearchConversationsAsync(string userId, SearchQuery query, int limit, string? cursor, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await InitializeAsync(cancellationToken);
        var after = cursor is null ? ((DateTimeOffset, string)?)null : ConversationCursor.Decode(_cursorKey, userId, cursor);

        // Every word as a quoted prefix; words are letters and digits only, so nothing in them is FTS syntax.
        var match = string.Join(' ', query.Words.Select(w => $"\"{w}\"*"));
        return await RunAsync(async connection =>
        {
            await using var transaction = connection.BeginTransaction(deferred: true);
            await using var command = Command(
                connection,
                $"""
                SELECT {ConversationColumns} FROM conversations
                WHERE user_id = $user {(after is null ? "" : "AND (updated_at, id) < ($afterUpdated, $afterId)")}
                  AND (id IN (SELECT conversation_id FROM conversation_titles_fts WHERE conversation_titles_fts MATCH $match AND user_id = $user)
                       OR id IN (SELECT m.conversation_id FROM messages_fts JOIN messages m ON m.rowid = messages_fts.rowid
                                 WHERE messages_fts MATCH $match AND m.user_id = $user))
                ORDER BY updated_at DESC, id DESC
                LIMIT $take
                """);
            command.Parameters.AddWithValue("$match", match);
            var (conversations, next) = await ReadPageAsync(command, userId, limit, after, cancellationToken);

            var hits = new List<SearchHit>(conversations.Count);
            foreach (var conversation in conversations)
            {
                hits.Add(await HitAsync(connection, userId, conversation, query, match, cancellationToken));
            }

            return new SearchPage(hits, next);
        }, cancellationToken);
    }

    public Task<IReadOnlyList<string>> DeleteAllConversationsAsync(string userId, CancellationToken cancellationToken) =>
        WriteAsync<IReadOnlyList<string>>(async connection =>
        {
            // One transaction: all of them go, or none does.
            await using var transaction = SqliteWriteQueue.Transaction();
            await using var messages = Command(connection, "DELETE FROM messages WHERE user_id = $user");
            messages.Parameters.AddWithValue("$user", userId);
            await messages.ExecuteNonQueryAsync(cancellationToken);

            await using var conversations = Command(connection, "DELETE FROM conversations WHERE user_id = $user RETURNING id");
            conversations.Parameters.AddWithValue("$user", userId);
            var deleted = new List<string>();
            await using (var reader = await conversations.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    deleted.Add(reader.GetString(0));
                }
            }

            await transaction.CommitAsync(cancellationToken);
            return deleted;
        }, cancellationToken);

    /// <summary>Where a conversation matched: its title if it holds every word, else its earliest matching message.</summary>
    private static async Task<SearchHit> HitAsync(
        SqliteConnection connection, string userId, Conversation conversation, SearchQuery query, string match, CancellationToken cancellationToken)
    {
        if (conversation.Title is { } title && query.FindIn(title) is { } inTitle)
        {
            return new SearchHit(conversation, inTitle, null);
        }

        await using var command = Command(
            connection,
            """
            SELECT m.id, m.content FROM messages_fts JOIN messages m ON m.rowid = messages_fts.rowid
            WHERE messages_fts MATCH $match AND m.user_id = $user AND m.conversation_id = $conversation
            ORDER BY m.created_at, m.id
            """);
        command.Parameters.AddWithValue("$match", match);
        command.Parameters.AddWithValue("$user", userId);
        command.Parameters.AddWithValue("$conversation", conversation.Id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        (string Id, string Content)? first = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            var (id, content) = (reader.GetString(0), reader.GetString(1));
            if (query.FindIn(content) is { } snippet)
            {
                return new SearchHit(conversation, snippet, id);
            }

            first ??= (id, content);
        }

        // FTS5 and the shared rule split words alike except at the edges (rare scripts); the hit still stands.
        return first is var (firstId, text)
            ? new SearchHit(conversation, SearchQuery.Opening(text), firstId)
            : new SearchHit(conversation, SearchQuery.Opening(conversation.Title ?? ""), null);
    }

    /// <summary>
    /// Creates the search indexes and their triggers, and fills them from what is stored, once: on a new database, and on one
    /// written by a build without search. It keys on the index being there rather than on the schema version, so it applies
    /// to a database of any version, in one transaction.
    /// </summary>
    private void InitializeSearch()
    {
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();

        // Checked inside the write transaction: a second process starting at the same time waits, then finds the index built.
        using var transaction = connection.BeginTransaction();
        using var exists = Command(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'messages_fts'");
        if (Convert.ToInt64(exists.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) > 0)
        {
            return;
        }

        using var create = Command(
            connection,
            $"""
            CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(content, content = 'messages', tokenize = '{Tokenizer}');
            CREATE TRIGGER IF NOT EXISTS messages_fts_insert AFTER INSERT ON messages BEGIN
                INSERT INTO messages_fts (rowid, content) VALUES (new.rowid, new.content);
            END;
            CREATE TRIGGER IF NOT EXISTS messages_fts_delete AFTER DELETE ON messages BEGIN
                INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
            END;
            CREATE TRIGGER IF NOT EXISTS messages_fts_update AFTER UPDATE OF content ON messages BEGIN
                INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
                INSERT INTO messages_fts (rowid, content) VALUES (new.rowid, new.content);
            END;

            CREATE VIRTUAL TABLE IF NOT EXISTS conversation_titles_fts
                USING fts5(title, user_id UNINDEXED, conversation_id UNINDEXED, tokenize = '{Tokenizer}');
            CREATE TRIGGER IF NOT EXISTS conversation_titles_fts_insert AFTER INSERT ON conversations WHEN new.title IS NOT NULL BEGIN
                INSERT INTO conversation_titles_fts (title, user_id, conversation_id) VALUES (new.title, new.user_id, new.id);
            END;
            CREATE TRIGGER IF NOT EXISTS conversation_titles_fts_update AFTER UPDATE OF title ON conversations
                WHEN old.title IS NOT new.title BEGIN
                DELETE FROM conversation_titles_fts WHERE user_id = old.user_id AND conversation_id = old.id;
                INSERT INTO conversation_titles_fts (title, user_id, conversation_id) SELECT new.title, new.user_id, new.id WHERE new.title IS NOT NULL;
            END;
            CREATE TRIGGER IF NOT EXISTS conversation_titles_fts_delete AFTER DELETE ON conversations WHEN old.title IS NOT NULL BEGIN
                DELETE FROM conversation_titles_fts WHERE user_id = old.user_id AND conversation_id = old.id;
            END;

            INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
            INSERT INTO conversation_titles_fts (title, user_id, conversation_id) SELECT title, user_id, id FROM conversations WHERE title IS NOT NULL;
            """);
        create.ExecuteNonQuery();
        transaction.Commit();
    }
}
