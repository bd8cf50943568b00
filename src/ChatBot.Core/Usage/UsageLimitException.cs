namespace ChatBot.Core.Usage;

/// <summary>A user reached one of their limits; nothing of the request was done. The API answers 429 with Retry-After.</summary>
public sealed class UsageLimitException(UsageLimit limit, long value, DateTimeOffset resetsAt, TimeSpan retryAfter, string message)
    : Exception(message)
{
    public UsageLimit Limit { get; } = limit;

    /// <summary>The limit as the API, the web app and the metrics name it (<c>messagesPerMinute</c>).</summary>
    public string LimitName => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(Limit.ToString());

    /// <summary>The limit's value for this user.</summary>
    public long Value { get; } = value;

    /// <summary>When the limit's window resets: the next minute, the next UTC day, or (answers at once) when an answer could have ended.</summary>
    public DateTimeOffset ResetsAt { get; } = resetsAt;

    public TimeSpan RetryAfter { get; } = retryAfter;
}
