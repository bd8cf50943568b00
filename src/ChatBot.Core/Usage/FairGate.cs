namespace ChatBot.Core.Usage;

/// <summary>
/// The model's slots in this process, handed out fairly: when every slot is busy, the next free one goes to the waiting user
/// with the fewest answers being written, and among equals to whoever came first. So one user's flood waits behind itself,
/// and another user's turn waits at most for one answer to finish. It orders this process only: instances do not share
/// it (on Lambda each instance serves one stream, so there the store's per-user limits are what keep users apart).
/// </summary>
public sealed class FairGate(int slots)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _running = new(StringComparer.Ordinal);
    private readonly LinkedList<Waiter> _waiting = [];
    private readonly int _slots = slots;
    private int _free = slots;
    private long _arrivals;

    /// <summary>Answers being written now (for tests and diagnostics).</summary>
    public int Running
    {
        get
        {
            lock (_lock)
            {
                return _slots - _free;
            }
        }
    }

    /// <summary>Waits for a slot; dispose the result to give it back. Cancelling while waiting leaves the queue.</summary>
    public async ValueTask<IDisposable> EnterAsync(string userId, CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (_lock)
        {
            if (_free > 0 && _waiting.Count == 0)
            {
                _free--;
                Take(userId);
                return new Slot(this, userId);
            }

            waiter = new Waiter(userId, _arrivals++);
            waiter.Node = _waiting.AddLast(waiter);
        }

        try
        {
            await waiter.Granted.Task.WaitAsync(cancellationToken);
            return new Slot(this, userId);
        }
        catch (OperationCanceledException)
        {
            lock (_lock)
            {
                if (waiter.Node!.List is not null)
                {
                    _waiting.Remove(waiter.Node);
                    throw;
                }
            }

            // Granted just as it was cancelled: the slot is this caller's, so hand it on.
            Release(userId);
            throw;
        }
    }

    private void Take(string userId) => _running[userId] = _running.GetValueOrDefault(userId) + 1;

    private void Release(string userId)
    {
        Waiter? next = null;
        lock (_lock)
        {
            if (_running.TryGetValue(userId, out var count) && count > 1)
            {
                _running[userId] = count - 1;
            }
            else
            {
                _running.Remove(userId);
            }

            foreach (var waiter in _waiting)
            {
                if (next is null || GoesBefore(waiter, next))
                {
                    next = waiter;
                }
            }

            if (next is null)
            {
                _free++;
            }
            else
            {
                _waiting.Remove(next.Node!);
                Take(next.UserId);
            }
        }

        next?.Granted.TrySetResult();
    }

    private bool GoesBefore(Waiter candidate, Waiter current)
    {
        var (a, b) = (_running.GetValueOrDefault(candidate.UserId), _running.GetValueOrDefault(current.UserId));
        return a < b || (a == b && candidate.Arrival < current.Arrival);
    }

    private sealed class Waiter(string userId, long arrival)
    {
        public string UserId { get; } = userId;

        public long Arrival { get; } = arrival;

        public TaskCompletionSource Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }
    }

    private sealed class Slot(FairGate gate, string userId) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                gate.Release(userId);
            }
        }
    }
}
