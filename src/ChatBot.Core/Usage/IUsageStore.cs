namespace ChatBot.Core.Usage;

/// <summary>
/// Per-user usage counters, kept with the conversations (SQLite locally, DynamoDB on AWS), and admins' per-user limits.
/// Each user has one usage record per UTC day. Every check-and-count is one atomic step on that record, so the limits hold
/// across instances and concurrent requests: two requests can never both take the last unit. Both implementations pass one
/// contract suite (tests/ChatBot.Adapters.Tests/Contracts/UsageStoreContract.cs).
/// </summary>
public interface IUsageStore
{
    /// <summary>
    /// Starts a turn in one atomic step: when the user has fewer than <see cref="UserLimits.AnswersAtOnce"/> answers in
    /// flight (counting none started before <paramref name="staleBefore"/>, whose instance must have died), fewer than
    /// <see cref="UserLimits.MessagesPerMinute"/> messages in <paramref name="at"/>'s minute and fewer than
    /// <see cref="UserLimits.TokensPerDay"/> tokens on its day, counts one more answer in flight and one more message.
    /// Otherwise changes nothing and names the first limit reached.
    /// </summary>
    Task<UsageLimit?> BeginTurnAsync(string userId, DateTimeOffset at, UserLimits limits, DateTimeOffset staleBefore, CancellationToken cancellationToken);

    /// <summary>Ends a turn begun on <paramref name="day"/>: one answer fewer in flight, and what the turn used.</summary>
    Task EndTurnAsync(string userId, DateOnly day, TurnUsage usage, CancellationToken cancellationToken);

    /// <summary>Counts a new conversation on <paramref name="day"/> unless the user already has <paramref name="limit"/>; false then.</summary>
    Task<bool> AddConversationAsync(string userId, DateOnly day, int limit, CancellationToken cancellationToken);

    /// <summary>The limits an admin stored for this user; null when none.</summary>
    Task<UserLimitsOverride?> GetLimitsAsync(string userId, CancellationToken cancellationToken);

    /// <summary>Stores this user's limits; an empty override removes them.</summary>
    Task SetLimitsAsync(string userId, UserLimitsOverride limits, CancellationToken cancellationToken);

    /// <summary>One user's days from <paramref name="from"/> to <paramref name="to"/> (inclusive) that have any usage, oldest first.</summary>
    Task<IReadOnlyList<DailyUsage>> GetUsageAsync(string userId, DateOnly from, DateOnly to, CancellationToken cancellationToken);

    /// <summary>Every user's days from <paramref name="from"/> to <paramref name="to"/> (inclusive), oldest first (for admins).</summary>
    Task<IReadOnlyList<DailyUsage>> GetAllUsageAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken);
}

/// <summary>The limits a request can reach.</summary>
public enum UsageLimit
{
    AnswersAtOnce,
    MessagesPerMinute,
    ConversationsPerDay,
    TokensPerDay,
}

/// <summary>
/// What one turn used. <paramref name="Answered"/> is false when the turn was refused after it began (the conversation
/// was busy or gone): it then only gives back its answer slot.
/// </summary>
public sealed record TurnUsage(string Model, long InputTokens, long OutputTokens, bool Failed, bool Answered = true)
{
    public static readonly TurnUsage NotAnswered = new("", 0, 0, Failed: false, Answered: false);
}

/// <summary>A model's tokens in one day.</summary>
public sealed record ModelTokens(long InputTokens, long OutputTokens);

/// <summary>One user's usage in one UTC day.</summary>
public sealed record DailyUsage(
    string UserId, DateOnly Day, long Turns, long Errors, long Conversations, IReadOnlyDictionary<string, ModelTokens> Models)
{
    public long InputTokens => Models.Values.Sum(m => m.InputTokens);

    public long OutputTokens => Models.Values.Sum(m => m.OutputTokens);
}
