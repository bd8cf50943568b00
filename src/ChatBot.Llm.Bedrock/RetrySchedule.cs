namespace ChatBot.Llm.Bedrock;

/// <summary>
/// Exponential backoff with full jitter, bounded by a count and by the total time spent waiting, so a busy Bedrock
/// delays a user by at most <see cref="BedrockOptions.RetryBudget"/> before they are told to come back later.
/// </summary>
internal sealed class RetrySchedule(BedrockOptions options)
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(20);
    private TimeSpan _waited;
    private int _retries;

    public int Retries => _retries;

    /// <summary>Picks the wait before the next retry, or returns false when the budget does not allow one.</summary>
    public bool TryNext(out TimeSpan delay)
    {
        delay = TimeSpan.Zero;
        if (_retries >= options.MaxRetries)
        {
            return false;
        }

        var candidate = Ceiling(_retries) * Random.Shared.NextDouble();
        if (_waited + candidate > options.RetryBudget)
        {
            return false;
        }

        delay = candidate;
        _waited += candidate;
        _retries++;
        return true;
    }

    /// <summary>What to tell a caller about when to try again: the next backoff ceiling, in whole seconds, at least one.</summary>
    public TimeSpan SuggestedRetryAfter() => TimeSpan.FromSeconds(Math.Clamp(Math.Ceiling(Ceiling(_retries).TotalSeconds), 1, 60));

    private TimeSpan Ceiling(int retry)
    {
        var ceiling = options.RetryBaseDelay * Math.Pow(2, Math.Min(retry, 16));
        return ceiling < MaxDelay ? ceiling : MaxDelay;
    }
}
