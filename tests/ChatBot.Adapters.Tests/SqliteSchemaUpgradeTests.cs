using ChatBot.Core;
using ChatBot.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Xunit;

namespace ChatBot.Adapters.Tests;

/// <summary>A database written by an earlier version opens, keeps its data and takes the new fields.</summary>
public sealed class SqliteSchemaUpgradeTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("chatbot-sqlite-upgrade-").FullName;

    private string DatabasePath => Path.Combine(_folder, "chatbot.db");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Version2Database_IsUpgraded_KeepingItsConversations_AndStoresModelsInstructionsAndFeedback()
    {
        var created = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
        var conversationId = Ids.New(created);
        var questionId = Ids.New(created.AddSeconds(1));
        var answerId = Ids.New(created.AddSeconds(2));
        await using (var connection = new SqliteConnection($"Data Source={DatabasePath}"))
        {
            await connection.OpenAsync(Ct);
            await using var command = connection.CreateCommand();
            command.CommandText = $"""
                CREATE TABLE conversations (user_id TEXT NOT NULL, id TEXT NOT NULL, title TEXT, created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL, lease_id TEXT, lease_until INTEGER, PRIMARY KEY (user_id, id)) WITHOUT ROWID;
                CREATE INDEX conversations_by_activity ON conversations (user_id, updated_at DESC, id DESC);
                CREATE TABLE messages (user_id TEXT NOT NULL, id TEXT NOT NULL, conversation_id TEXT NOT NULL, role TEXT NOT NULL,
                    content TEXT NOT NULL, created_at INTEGER NOT NULL, status TEXT NOT NULL, client_message_id TEXT, reply_to TEXT,
                    input_tokens INTEGER, output_tokens INTEGER, PRIMARY KEY (user_id, conversation_id, id));
                INSERT INTO conversations VALUES ('alice', '{conversationId}', 'Old', {created.UtcTicks}, {created.UtcTicks}, NULL, NULL);
                INSERT INTO messages VALUES ('alice', '{questionId}', '{conversationId}', 'user', 'hi', {created.AddSeconds(1).UtcTicks}, 'complete', NULL, NULL, NULL, NULL);
                INSERT INTO messages VALUES ('alice', '{answerId}', '{conversationId}', 'assistant', 'hello', {created.AddSeconds(2).UtcTicks}, 'complete', NULL, '{questionId}', 3, 4);
                PRAGMA user_version = 2;
                """;
            await command.ExecuteNonQueryAsync(Ct);
        }

        var store = new SqliteConversationStore(Options.Create(new SqliteStoreOptions { Path = DatabasePath }));

        var before = await store.GetConversationAsync("alice", conversationId, 10, Ct);
        Assert.NotNull(before);
        Assert.Equal(new Conversation(conversationId, "alice", "Old", created, created), before.Conversation);
        Assert.Equal(["hi", "hello"], before.Messages.Select(m => m.Content));
        Assert.All(before.Messages, m => Assert.Equal((null, null, null), (m.ModelId, m.FinishReason, m.Feedback)));

        var updated = await store.UpdateConversationAsync("alice", conversationId, new ConversationPatch(ModelId: "model-b", Instructions: "Be brief."), created.AddMinutes(1), Ct);
        var feedback = new MessageFeedback(FeedbackRating.Up, "good", created.AddMinutes(2));
        var rated = await store.SetFeedbackAsync("alice", conversationId, answerId, feedback, Ct);
        await store.SaveUserSettingsAsync("alice", new UserSettings("Answer in French."), Ct);

        Assert.Equal(("model-b", "Be brief."), (updated!.ModelId, updated.Instructions));
        Assert.Equal(feedback, rated!.Feedback);
        Assert.Equal(new UserSettings("Answer in French."), await store.GetUserSettingsAsync("alice", Ct));
        await using (var connection = new SqliteConnection($"Data Source={DatabasePath}"))
        {
            await connection.OpenAsync(Ct);
            await using var version = connection.CreateCommand();
            version.CommandText = "PRAGMA user_version";
            Assert.Equal(3L, await version.ExecuteScalarAsync(Ct));
        }
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
