using System.Globalization;
using Microsoft.Extensions.Options;

namespace ChatBot.Core.Usage;

/// <summary>
/// Applies each user's limits (the configured ones, or what an admin stored) through the usage store, and reports usage.
/// A turn costs the store two small writes: one conditional update that checks and counts it as it starts, and one that
/// adds what it used as it ends (docs/benchmarks.md, datastore section).
/// </summary>
public sealed class UsageLimiter(IUsageStore store, IOptions<UsageOptions> options, IOptions<ChatServiceOptions> chat, TimeProvider time)
{
    /// <summary>
    /// How long an admin's change may take to reach other instances: each keeps a user's stored limits this long, so a
    /// turn does not pay a read for them. The instance that served the change uses it at once.
    /// </summary>
    public static readonly TimeSpan LimitsCacheTime = TimeSpan.FromSeconds(30);

    private readonly UsageOptions _options = options.Value;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (UserLimitsOverride? Limits, DateTimeOffset Until)> _overrides = new(StringComparer.Ordinal);

    /// <summary>The limits that apply to this user now.</summary>
    public async Task<UserLimits> GetLimitsAsync(string userId, CancellationToken cancellationToken) =>
        _options.Limits.With(await GetOverrideAsync(userId, cancellationToken));

    public Task<UserLimitsOverride?> GetOverrideAsync(string userId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return _overrides.TryGetValue(userId, out var cached) && cached.Until > now
            ? Task.FromResult(cached.Limits)
            : LoadAsync();

        async Task<UserLimitsOverride?> LoadAsync()
        {
            var stored = await store.GetLimitsAsync(userId, cancellationToken);
            _overrides[userId] = (stored, now + LimitsCacheTime);
            return stored;
        }
    }

    public async Task SetOverrideAsync(string userId, UserLimitsOverride limits, CancellationToken cancellationToken)
    {
        await store.SetLimitsAsync(userId, limits, cancellationToken);
        _overrides.TryRemove(userId, out _);
    }

    /// <summary>Checks and counts the start of a turn; throws <see cref="UsageLimitException"/> when a limit is reached.</summary>
    public async Task<TurnTicket> BeginTurnAsync(string userId, CancellationToken cancellationToken)
    {
        var limits = await GetLimitsAsync(userId, cancellationToken);
        var now = time.GetUtcNow();
        // An answer in flight for longer than a turn lease lasts was lost with its instance, and holds no slot.
        var refused = await store.BeginTurnAsync(userId, now, limits, now - chat.Value.TurnLeaseDuration, cancellationToken);
        return refused is { } limit ? throw Refuse(limit, limits, now) : new TurnTicket(userId, DateOnly.FromDateTime(now.UtcDateTime));
    }

    /// <summary>Ends a turn: the slot is given back and its tokens counted. Never throws: the answer is already stored.</summary>
    public async Task EndTurnAsync(TurnTicket ticket, TurnUsage usage)
    {
        try
        {
            await store.EndTurnAsync(ticket.UserId, ticket.Day, usage, CancellationToken.None);
        }
        catch (StoreUnavailableException)
        {
            // Losing one turn's count is better than failing an answer that is already stored.
        }
    }

    /// <summary>Counts a new conversation; throws <see cref="UsageLimitException"/> when the user has created their day's number.</summary>
    public async Task CountConversationAsync(string userId, CancellationToken cancellationToken)
    {
        var limits = await GetLimitsAsync(userId, cancellationToken);
        var now = time.GetUtcNow();
        if (!await store.AddConversationAsync(userId, DateOnly.FromDateTime(now.UtcDateTime), limits.ConversationsPerDay, cancellationToken))
        {
            throw Refuse(UsageLimit.ConversationsPerDay, limits, now);
        }
    }

    /// <summary>The last <paramref name="days"/> UTC days, today included.</summary>
    public (DateOnly From, DateOnly To) LastDays(int days)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        return (today.AddDays(1 - days), today);
    }

    /// <summary>The estimated cost of tokens in US dollars, or null when the model has no price configured.</summary>
    public decimal? EstimateCost(string model, ModelTokens tokens) =>
        _options.Prices.TryGetValue(model, out var price)
            ? Math.Round(((tokens.InputTokens * price.InputPerMillionTokens) + (tokens.OutputTokens * price.OutputPerMillionTokens)) / 1_000_000m, 6)
            : null;

    /// <summary>The app's own count where a provider reports none: about four characters a token, the usual rule for English.</summary>
    public static long EstimateTokens(long characters) => (characters + 3) / 4;

    private static UsageLimitException Refuse(UsageLimit limit, UserLimits limits, DateTimeOffset now)
    {
        var minute = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero);
        var tomorrow = new DateTimeOffset(now.UtcDateTime.Date.AddDays(1), TimeSpan.Zero);
        var (value, resetsAt, what) = limit switch
        {
            UsageLimit.AnswersAtOnce => ((long)limits.AnswersAtOnce, now.AddSeconds(5), $"{limits.AnswersAtOnce} answers being written at once"),
            UsageLimit.MessagesPerMinute => (limits.MessagesPerMinute, minute.AddMinutes(1), $"{limits.MessagesPerMinute} messages per minute"),
            UsageLimit.ConversationsPerDay => (limits.ConversationsPerDay, tomorrow, $"{limits.ConversationsPerDay} new conversations per day"),
            _ => (limits.TokensPerDay, tomorrow, $"{limits.TokensPerDay.ToString("N0", CultureInfo.InvariantCulture)} model tokens per day"),
        };
        var when = limit == UsageLimit.AnswersAtOnce
            ? "Wait for one of your answers to finish, then send again."
            : $"It resets at {resetsAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC.";
        var retryAfter = resetsAt - now;
        return new UsageLimitException(limit, value, resetsAt, retryAfter < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : retryAfter,
            $"You have reached your limit of {what}. {when}");
    }
}

/// <summary>A turn that has begun under the user's limits; its day is where it ends.</summary>
public sealed record TurnTicket(string UserId, DateOnly Day);
