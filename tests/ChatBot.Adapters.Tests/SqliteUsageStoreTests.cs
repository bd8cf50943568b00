using ChatBot.Adapters.Tests.Contracts;
using ChatBot.Core.Usage;
using ChatBot.Storage.Sqlite;
using Microsoft.Extensions.Options;

namespace ChatBot.Adapters.Tests;

public sealed class SqliteUsageStoreTests : UsageStoreContract, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("chatbot-sqlite-").FullName;

    public SqliteUsageStoreTests()
    {
        // The file is created once, as an app's first start would; the second instance then opens it.
        var first = new SqliteConversationStore(Options.Create(new SqliteStoreOptions { Path = DatabasePath }));
        first.InitializeAsync(CancellationToken.None).GetAwaiter().GetResult();
        Store = new SqliteUsageStore(first);
        SecondInstance = new SqliteUsageStore(new SqliteConversationStore(Options.Create(new SqliteStoreOptions { Path = DatabasePath })));
    }

    protected override IUsageStore Store { get; }

    protected override IUsageStore SecondInstance { get; }

    private string DatabasePath => Path.Combine(_folder, "data", "chatbot.db");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
