using ChatBot.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Xunit;

namespace ChatBot.Adapters.Tests;

// Writes waiting together share a commit, each in its own savepoint: one write's failure or rollback must not touch the others.
public sealed class SqliteWriteQueueTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("chatbot-sqlite-queue-").FullName;
    private readonly SqliteConversationStore _store;

    public SqliteWriteQueueTests()
    {
        _store = new SqliteConversationStore(Options.Create(new SqliteStoreOptions { Path = Path.Combine(_folder, "chatbot.db") }));
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ConcurrentWrites_OneFailing_OnlyTheFailingOneIsUndone()
    {
        await CreateTableAsync();

        var writes = Enumerable.Range(0, 40).Select(i => _store.WriteAsync(async connection =>
        {
            await InsertAsync(connection, i);
            if (i == 17)
            {
                throw new InvalidOperationException("write 17 fails after its insert");
            }

            return i;
        }, Ct)).ToList();

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => writes[17]);
        Assert.Contains("write 17", failure.Message, StringComparison.Ordinal);
        foreach (var write in writes.Where((_, i) => i != 17))
        {
            await write;
        }

        Assert.Equal(Enumerable.Range(0, 40).Where(i => i != 17), await RowsAsync());
    }

    [Fact]
    public async Task WriteTransaction_LeftUncommitted_UndoesOnlyItsOwnWrite()
    {
        await CreateTableAsync();

        var writes = Enumerable.Range(0, 10).Select(i => _store.WriteAsync(async connection =>
        {
            await using var transaction = SqliteWriteQueue.Transaction();
            await InsertAsync(connection, i);
            if (i % 3 == 0)
            {
                // Returning without a commit is how a write says "store none of this".
                return false;
            }

            await transaction.CommitAsync(Ct);
            return true;
        }, Ct)).ToList();
        await Task.WhenAll(writes);

        Assert.Equal(Enumerable.Range(0, 10).Where(i => i % 3 != 0), await RowsAsync());
    }

    [Fact]
    public async Task WriteCancelledWhileWaiting_IsNeverRun()
    {
        await CreateTableAsync();
        var release = new TaskCompletionSource();
        var blocking = _store.WriteAsync(async connection =>
        {
            await release.Task;
            await InsertAsync(connection, 1);
            return true;
        }, Ct);
        using var cancel = new CancellationTokenSource();
        var waiting = _store.WriteAsync(async connection =>
        {
            await InsertAsync(connection, 2);
            return true;
        }, cancel.Token);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        release.SetResult();
        await blocking;

        Assert.Equal([1], await RowsAsync());
    }

    private Task<bool> CreateTableAsync() => _store.WriteAsync(async connection =>
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE IF NOT EXISTS queue_test (n INTEGER NOT NULL)";
        await command.ExecuteNonQueryAsync(Ct);
        return true;
    }, Ct);

    private static async Task InsertAsync(SqliteConnection connection, int n)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO queue_test (n) VALUES ($n)";
        command.Parameters.AddWithValue("$n", n);
        await command.ExecuteNonQueryAsync(Ct);
    }

    private async Task<List<int>> RowsAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(_folder, "chatbot.db")};Pooling=False");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT n FROM queue_test ORDER BY n";
        var rows = new List<int>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            rows.Add(reader.GetInt32(0));
        }

        return rows;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
