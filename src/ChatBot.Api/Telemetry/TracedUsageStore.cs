using ChatBot.Core.Usage;

namespace ChatBot.Api.Telemetry;

/// <summary>A span around each usage store call, so a turn's trace shows what its limit check and its count cost.</summary>
public sealed class TracedUsageStore(IUsageStore inner) : IUsageStore
{
    public async Task<UsageLimit?> BeginTurnAsync(
        string userId, DateTimeOffset at, UserLimits limits, DateTimeOffset staleBefore, CancellationToken cancellationToken)
    {
        using var span = Span.Start("usage.begin_turn");
        return await inner.BeginTurnAsync(userId, at, limits, staleBefore, cancellationToken);
    }

    public async Task EndTurnAsync(string userId, DateOnly day, TurnUsage usage, CancellationToken cancellationToken)
    {
        using var span = Span.Start("usage.end_turn");
        await inner.EndTurnAsync(userId, day, usage, cancellationToken);
    }

    public async Task<bool> AddConversationAsync(string userId, DateOnly day, int limit, CancellationToken cancellationToken)
    {
        using var span = Span.Start("usage.add_conversation");
        return await inner.AddConversationAsync(userId, day, limit, cancellationToken);
    }

    public async Task<UserLimitsOverride?> GetLimitsAsync(string userId, CancellationToken cancellationToken)
    {
        using var span = Span.Start("usage.get_limits");
        return await inner.GetLimitsAsync(userId, cancellationToken);
    }

    public async Task SetLimitsAsync(string userId, UserLimitsOverride limits, CancellationToken cancellationToken)
    {
        using var span = Span.Start("usage.set_limits");
        await inner.SetLimitsAsync(userId, limits, cancellationToken);
    }

    public async Task<IReadOnlyList<DailyUsage>> GetUsageAsync(string userId, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        using var span = Span.Start("usage.get_usage");
        return await inner.GetUsageAsync(userId, from, to, cancellationToken);
    }

    public async Task<IReadOnlyList<DailyUsage>> GetAllUsageAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        using var span = Span.Start("usage.get_all_usage");
        return await inner.GetAllUsageAsync(from, to, cancellationToken);
    }
}
