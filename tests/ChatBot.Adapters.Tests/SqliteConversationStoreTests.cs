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
        Store = new SqliteConversationStore(Options.Create(new SqliteStoreOptions { Path = Path.Combine(_folder, "data", "chatbot.db") }));
    }

    protected override IConversationStore Store { get; }

    public void Dispose()
    {
        // Pooled connections keep the file open; let them go before the folder is removed.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
