using ChatBot.Adapters.Tests.Contracts;
using ChatBot.Core;
using ChatBot.Storage.Sqlite;
using Microsoft.Extensions.Options;

namespace ChatBot.Adapters.Tests;

public sealed class SqliteConversationStoreTests : ConversationStoreContract, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("chatbot-sqlite-").FullName;

    public SqliteConversationStoreTests()
    {
        Store = new SqliteConversationStore(Options.Create(new SqliteStoreOptions { Path = DatabasePath }));
        SecondInstance = new SqliteConversationStore(Options.Create(new SqliteStoreOptions { Path = DatabasePath }));
    }

    protected override IConversationStore Store { get; }

    protected override IConversationStore SecondInstance { get; }

    private string DatabasePath => Path.Combine(_folder, "data", "chatbot.db");

    protected override async Task<int> StoredItemsAsync(string userId, string conversationId)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT (SELECT count(*) FROM conversations WHERE user_id = $user AND id = $id)
                 + (SELECT count(*) FROM messages WHERE user_id = $user AND conversation_id = $id)
            """;
        command.Parameters.AddWithValue("$user", userId);
        command.Parameters.AddWithValue("$id", conversationId);
        return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        // Pooled connections keep the file open; let them go before the folder is removed.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
