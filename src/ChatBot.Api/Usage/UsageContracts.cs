using ChatBot.Core.Usage;

namespace ChatBot.Api.Usage;

/// <summary>A user's own usage: the limits that apply, today's budget, whether they may open the admin page, and their recent days.</summary>
public sealed record MyUsage(UserLimits Limits, long TokensToday, long RemainingTokensToday, bool IsAdmin, IReadOnlyList<UsageDay> Days);

/// <summary>One day of one user's (or, in <see cref="AdminUsage.Daily"/>, everyone's) usage.</summary>
public sealed record UsageDay(DateOnly Day, long Turns, long InputTokens, long OutputTokens, long Errors, long Conversations);

/// <summary>What an admin sees: per user and day, each day's totals (every day of the range, for the chart) and per model.</summary>
public sealed record AdminUsage(
    DateOnly From, DateOnly To, IReadOnlyList<UserUsageDay> Users, IReadOnlyList<UsageDay> Daily, IReadOnlyList<ModelUsage> Models);

public sealed record UserUsageDay(
    string UserId, DateOnly Day, long Turns, long InputTokens, long OutputTokens, long Errors, long Conversations, IReadOnlyList<string> Models);

/// <summary>A model's tokens over the range, and their cost from Usage:Prices (null when the model has no price).</summary>
public sealed record ModelUsage(string Model, long InputTokens, long OutputTokens, decimal? EstimatedCostUsd);

/// <summary>One user's limits: the configured defaults, what an admin stored, and what applies.</summary>
public sealed record UserLimitsView(string UserId, UserLimits Defaults, UserLimitsOverride? Override, UserLimits Effective);

/// <summary>The body of PUT /api/admin/users/{userId}/limits: each value set replaces the default, each null or missing keeps it.</summary>
public sealed record SetLimitsRequest(int? AnswersAtOnce, int? MessagesPerMinute, int? ConversationsPerDay, long? TokensPerDay);
