using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace ChatBot.Storage.Sqlite;

/// <summary>
/// The one writer of a database file in this process. SQLite takes one writer at a time anyway: a second connection that
/// asks meanwhile gets SQLITE_BUSY, and Microsoft.Data.Sqlite retries that by putting its thread to sleep. Queued here,
/// concurrent writes wait without holding a thread, and the writes waiting at the same moment are committed together:
/// one transaction, each write in a savepoint of its own, so one write's failure or rollback undoes only that write. A
/// commit (the WAL append, the file locks) is most of a small write's cost, so under load a turn's writes share commits
/// with other turns' instead of paying four of their own. A caller hears of its write only once the commit that holds it
/// is done. Reads are not queued: in WAL mode they never wait for a writer. Another process on the same file still meets
/// the busy retry, which is what keeps it correct.
/// </summary>
internal sealed class SqliteWriteQueue
{
    // Enough to amortize a commit, few enough that a batch's transaction stays short.
    private const int MostPerBatch = 64;

    internal const string Savepoint = "chatbot_write";

    // One queue per database file, so two stores on one file in one process (tests, a second host) also take turns.
    private static readonly ConcurrentDictionary<string, SqliteWriteQueue> ByFile = new(StringComparer.Ordinal);

    // The batch transaction of the write running on this flow, for WriteTransaction.
    private static readonly AsyncLocal<SqliteTransaction?> CurrentBatch = new();

    private readonly Func<CancellationToken, Task<SqliteConnection>> _open;
    private readonly Lock _gate = new();
    private readonly Queue<IQueuedWrite> _waiting = new();
    private bool _draining;

    private SqliteWriteQueue(Func<CancellationToken, Task<SqliteConnection>> open) => _open = open;

    public static SqliteWriteQueue For(string path, Func<CancellationToken, Task<SqliteConnection>> open) =>
        ByFile.GetOrAdd(path, _ => new SqliteWriteQueue(open));

    /// <summary>Queues a write; completes when the transaction that holds it has committed, or with the write's own failure.</summary>
    public Task<T> RunAsync<T>(Func<SqliteConnection, Task<T>> operation, CancellationToken cancellationToken)
    {
        var write = new QueuedWrite<T>(operation, cancellationToken);
        bool start;
        lock (_gate)
        {
            _waiting.Enqueue(write);
            start = !_draining;
            _draining = true;
        }

        if (start)
        {
            _ = Task.Run(DrainAsync, CancellationToken.None);
        }

        return write.Task;
    }

    /// <summary>
    /// The write's own transaction: commit keeps its changes for the batch's commit; disposing it uncommitted undoes them
    /// (and nothing else of the batch). Only inside a write run by the queue.
    /// </summary>
    public static WriteTransaction Transaction() =>
        new(CurrentBatch.Value ?? throw new InvalidOperationException("A write transaction exists only inside SqliteConversationStore.WriteAsync."));

    private async Task DrainAsync()
    {
        while (true)
        {
            List<IQueuedWrite> batch;
            lock (_gate)
            {
                if (_waiting.Count == 0)
                {
                    _draining = false;
                    return;
                }

                batch = new List<IQueuedWrite>(Math.Min(_waiting.Count, MostPerBatch));
                while (batch.Count < MostPerBatch && _waiting.TryDequeue(out var next))
                {
                    batch.Add(next);
                }
            }

            await RunBatchAsync(batch);
        }
    }

    private async Task RunBatchAsync(List<IQueuedWrite> batch)
    {
        try
        {
            await using var connection = await _open(CancellationToken.None);
            await using var transaction = connection.BeginTransaction();
            foreach (var write in batch)
            {
                await write.RunAsync(connection, transaction);
            }

            await transaction.CommitAsync();
        }
        catch (Exception ex)
        {
            // Opening, beginning or committing failed: nothing of the batch is stored.
            foreach (var write in batch)
            {
                write.Fail(ex);
            }

            return;
        }

        foreach (var write in batch)
        {
            write.Complete();
        }
    }

    private interface IQueuedWrite
    {
        Task RunAsync(SqliteConnection connection, SqliteTransaction transaction);

        void Complete();

        void Fail(Exception batchFailure);
    }

    private sealed class QueuedWrite<T> : IQueuedWrite
    {
        private readonly Func<SqliteConnection, Task<T>> _operation;
        private readonly CancellationToken _cancellationToken;
        private readonly TaskCompletionSource<T> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenRegistration _cancellation;
        private T _result = default!;
        private Exception? _failure;

        // Waiting, then either Running or Cancelled, never both: a write that has started finishes and reports what happened.
        private int _state;

        public QueuedWrite(Func<SqliteConnection, Task<T>> operation, CancellationToken cancellationToken)
        {
            _operation = operation;
            _cancellationToken = cancellationToken;
            // A caller that gives up while its write waits hears at once; the queue then skips the write.
            _cancellation = cancellationToken.Register(() =>
            {
                if (Interlocked.CompareExchange(ref _state, Cancelled, Waiting) == Waiting)
                {
                    _outcome.TrySetCanceled(cancellationToken);
                }
            });
        }

        private const int Waiting = 0;
        private const int Running = 1;
        private const int Cancelled = 2;

        public Task<T> Task => _outcome.Task;

        private bool Ran => Volatile.Read(ref _state) == Running;

        public async Task RunAsync(SqliteConnection connection, SqliteTransaction transaction)
        {
            if (Interlocked.CompareExchange(ref _state, Running, Waiting) != Waiting)
            {
                return;
            }

            transaction.Save(Savepoint);
            CurrentBatch.Value = transaction;
            try
            {
                _result = await _operation(connection);
                transaction.Release(Savepoint);
            }
            catch (Exception ex)
            {
                _failure = ex;
                transaction.Rollback(Savepoint);
                transaction.Release(Savepoint);
            }
            finally
            {
                CurrentBatch.Value = null;
            }
        }

        public void Complete()
        {
            _cancellation.Dispose();
            if (_failure is not null)
            {
                _outcome.TrySetException(_failure);
            }
            else if (Ran)
            {
                _outcome.TrySetResult(_result);
            }
            else
            {
                _outcome.TrySetCanceled(_cancellationToken);
            }
        }

        public void Fail(Exception batchFailure)
        {
            _cancellation.Dispose();
            _outcome.TrySetException(_failure ?? batchFailure);
        }
    }
}

/// <summary>A write's own part of its batch's transaction (<see cref="SqliteWriteQueue.Transaction"/>).</summary>
internal sealed class WriteTransaction(SqliteTransaction batch) : IAsyncDisposable
{
    private bool _done;

    /// <summary>The batch's transaction, for commands that name theirs.</summary>
    public SqliteTransaction Batch => batch;

    /// <summary>Keeps the write's changes; they become durable with the batch's commit, before the caller hears back.</summary>
    public Task CommitAsync(CancellationToken cancellationToken)
    {
        _done = true;
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        if (!_done)
        {
            _done = true;
            batch.Rollback(SqliteWriteQueue.Savepoint);
        }

        return ValueTask.CompletedTask;
    }
}
