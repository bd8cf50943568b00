using System.Security.Claims;
using ChatBot.Api.Identity;
using ChatBot.Api.Infrastructure;
using ChatBot.Core.Usage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ChatBot.Api.Usage;

/// <summary>Usage for its user (/api/me/usage) and, for admins only, everyone's usage and per-user limits (/api/admin).</summary>
public static class UsageApi
{
    public const int MaxDays = 90;

    public static IEndpointRouteBuilder MapUsageApi(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/api/me/usage", HttpExtensions.GetAndHead, GetMyUsage).RequireAuthorization();

        var admin = app.MapGroup("/api/admin").RequireAuthorization().AddEndpointFilter(Admins.OnlyAdmins);
        admin.MapMethods("/usage", HttpExtensions.GetAndHead, GetUsage);
        admin.MapMethods("/users/{userId}/limits", HttpExtensions.GetAndHead, GetLimits);
        admin.MapPut("/users/{userId}/limits", SetLimits);
        admin.MapDelete("/users/{userId}/limits", RemoveLimits);
        return app;
    }

    private static async Task<Results<Ok<MyUsage>, ProblemHttpResult>> GetMyUsage(
        int? days, ClaimsPrincipal user, UsageLimiter limiter, IUsageStore store, IOptions<AuthOptions> auth, IOptions<UsageOptions> options,
        CancellationToken cancellationToken)
    {
        if (Days(days) is { } invalid)
        {
            return invalid;
        }

        var userId = user.GetUserId();
        var (from, to) = limiter.LastDays(days ?? 30);
        var limits = await limiter.GetLimitsAsync(userId, cancellationToken);
        var usage = await store.GetUsageAsync(userId, from, to, cancellationToken);
        var today = usage.Where(d => d.Day == to).Sum(d => d.InputTokens + d.OutputTokens);
        var isAdmin = Admins.IsAdmin(user, auth.Value.Mode, options.Value);
        return TypedResults.Ok(new MyUsage(limits, today, Math.Max(0, limits.TokensPerDay - today), isAdmin, usage.Select(ToDay).ToList()));
    }

    private static async Task<Results<Ok<AdminUsage>, ProblemHttpResult>> GetUsage(
        int? days, UsageLimiter limiter, IUsageStore store, CancellationToken cancellationToken)
    {
        if (Days(days) is { } invalid)
        {
            return invalid;
        }

        var (from, to) = limiter.LastDays(days ?? 30);
        var usage = await store.GetAllUsageAsync(from, to, cancellationToken);
        var users = usage.Select(d => new UserUsageDay(
            d.UserId, d.Day, d.Turns, d.InputTokens, d.OutputTokens, d.Errors, d.Conversations, d.Models.Keys.Order(StringComparer.Ordinal).ToList())).ToList();
        var daily = Enumerable.Range(0, to.DayNumber - from.DayNumber + 1).Select(i => from.AddDays(i)).Select(day =>
        {
            var of = usage.Where(d => d.Day == day).ToList();
            return new UsageDay(day, of.Sum(d => d.Turns), of.Sum(d => d.InputTokens), of.Sum(d => d.OutputTokens), of.Sum(d => d.Errors), of.Sum(d => d.Conversations));
        }).ToList();
        var models = usage.SelectMany(d => d.Models).GroupBy(m => m.Key, StringComparer.Ordinal).Select(g =>
        {
            var tokens = new ModelTokens(g.Sum(m => m.Value.InputTokens), g.Sum(m => m.Value.OutputTokens));
            return new ModelUsage(g.Key, tokens.InputTokens, tokens.OutputTokens, limiter.EstimateCost(g.Key, tokens));
        }).OrderByDescending(m => m.InputTokens + m.OutputTokens).ToList();
        return TypedResults.Ok(new AdminUsage(from, to, users, daily, models));
    }

    private static async Task<Results<Ok<UserLimitsView>, ProblemHttpResult>> GetLimits(
        string userId, UsageLimiter limiter, IOptions<UsageOptions> options, CancellationToken cancellationToken)
    {
        if (UserId(userId) is { } invalid)
        {
            return invalid;
        }

        return TypedResults.Ok(await ViewAsync(userId, limiter, options.Value, cancellationToken));
    }

    private static async Task<Results<Ok<UserLimitsView>, ProblemHttpResult>> SetLimits(
        string userId, HttpContext http, UsageLimiter limiter, IOptions<UsageOptions> options, CancellationToken cancellationToken)
    {
        var (request, unreadable) = await JsonBody.ReadAsync<SetLimitsRequest>(http);
        if ((UserId(userId) ?? unreadable ?? Limits(request)) is { } invalid)
        {
            return invalid;
        }

        await limiter.SetOverrideAsync(
            userId, new UserLimitsOverride(request!.AnswersAtOnce, request.MessagesPerMinute, request.ConversationsPerDay, request.TokensPerDay), cancellationToken);
        return TypedResults.Ok(await ViewAsync(userId, limiter, options.Value, cancellationToken));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveLimits(string userId, UsageLimiter limiter, CancellationToken cancellationToken)
    {
        if (UserId(userId) is { } invalid)
        {
            return invalid;
        }

        await limiter.SetOverrideAsync(userId, new UserLimitsOverride(null, null, null, null), cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<UserLimitsView> ViewAsync(string userId, UsageLimiter limiter, UsageOptions options, CancellationToken cancellationToken)
    {
        var stored = await limiter.GetOverrideAsync(userId, cancellationToken);
        return new UserLimitsView(userId, options.Limits, stored, options.Limits.With(stored));
    }

    private static UsageDay ToDay(DailyUsage d) => new(d.Day, d.Turns, d.InputTokens, d.OutputTokens, d.Errors, d.Conversations);

    private static ProblemHttpResult? Days(int? days) => days is null or (>= 1 and <= MaxDays)
        ? null
        : Bad("The number of days is not valid.", $"'days' must be between 1 and {MaxDays}.");

    private static ProblemHttpResult? UserId(string userId) => UserIds.IsValid(userId)
        ? null
        : Bad("The user id is not valid.", $"A user id is {UserIds.Rule}.");

    private static ProblemHttpResult? Limits(SetLimitsRequest? request)
    {
        if (request is null)
        {
            return Bad("The limits are missing.", "Send a JSON object with any of answersAtOnce, messagesPerMinute, conversationsPerDay, tokensPerDay.");
        }

        var wrong = new (string Name, long? Value, long Max)[]
        {
            ("answersAtOnce", request.AnswersAtOnce, UserLimits.MaxAnswersAtOnce),
            ("messagesPerMinute", request.MessagesPerMinute, UserLimits.MaxMessagesPerMinute),
            ("conversationsPerDay", request.ConversationsPerDay, UserLimits.MaxConversationsPerDay),
            ("tokensPerDay", request.TokensPerDay, UserLimits.MaxTokensPerDay),
        }.Where(l => l.Value is < 0 || l.Value > l.Max).Select(l => $"{l.Name} must be between 0 and {l.Max}").ToList();
        return wrong.Count == 0 ? null : Bad("The limits are not valid.", string.Join("; ", wrong) + ". Leave a value out (or null) to keep the default.");
    }

    private static ProblemHttpResult Bad(string title, string detail) =>
        TypedResults.Problem(ErrorMapping.Problem(StatusCodes.Status400BadRequest, title, detail));
}
