using ChatBot.Core;
using ChatBot.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Xunit;
using static ChatBot.Adapters.Tests.Contracts.TestData;

namespace ChatBot.Adapters.Tests;

public sealed class SqliteSearchIndexTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("chatbot-sqlite-search-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string DatabasePath => Path.Combine(_folder, "chatbot.db");

    [Fact]
    public async Task ADatabaseWrittenWithoutTheSearchIndex_IsIndexedOnFirstStart()
    {
        var user = NewUser();
        var conversation = NewConversation(user, "Crème brûlée");
        var question = UserMessage(conversation.Id, "How do I caramelise the top?");
        var old = NewStore();
        await old.CreateConversationAsync(conversation, Ct);
        await old.AddUserMessageAsync(user, question, Lapsed(), Ct);

        // As a build without search left it: no index tables, no triggers.
        await ExecuteAsync(
            """
            DROP TRIGGER messages_fts_insert; DROP TRIGGER messages_fts_delete; DROP TRIGGER messages_fts_update;
            DROP TRIGGER conversation_titles_fts_insert; DROP TRIGGER conversation_titles_fts_update; DROP TRIGGER conversation_titles_fts_delete;
            DROP TABLE messages_fts; DROP TABLE conversation_titles_fts;
            """);

        var upgraded = NewStore();
        var byTitle = await upgraded.SearchConversationsAsync(user, SearchQuery.Parse("creme")!, 10, null, Ct);
        var byMessage = await upgraded.SearchConversationsAsync(user, SearchQuery.Parse("caramelise")!, 10, null, Ct);

        Assert.Equal([conversation.Id], byTitle.Items.Select(h => h.Conversation.Id));
        Assert.Equal([question.Id], byMessage.Items.Select(h => h.MessageId));
    }

    [Fact]
    public async Task TheIndex_HoldsExactlyWhatIsStored_AfterRenamesAndDeletes()
    {
        var store = NewStore();
        var user = NewUser();
        var conversation = NewConversation(user, "First title");
        await store.CreateConversationAsync(conversation, Ct);
        await store.AddUserMessageAsync(user, UserMessage(conversation.Id, "hello"), Lapsed(), Ct);
        await store.RenameConversationAsync(user, conversation.Id, "Second title", Now(), Ct);

        Assert.Equal(1, await CountAsync("SELECT count(*) FROM conversation_titles_fts"));
        await store.DeleteAllConversationsAsync(user, Ct);

        Assert.Equal(0, await CountAsync("SELECT count(*) FROM conversation_titles_fts"));
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'hello'"));
        await ExecuteAsync("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')");
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private SqliteConversationStore NewStore() => new(Options.Create(new SqliteStoreOptions { Path = DatabasePath }));

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath}");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(Ct);
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath}");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }
}
