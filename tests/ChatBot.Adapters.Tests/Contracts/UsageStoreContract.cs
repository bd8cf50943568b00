using ChatBot.Core.Usage;
using Xunit;
using static ChatBot.Adapters.Tests.Contracts.TestData;

namespace ChatBot.Adapters.Tests.Contracts;

/// <summary>
/// What every <see cref="IUsageStore"/> must do: count and refuse atomically, per user and window, on one instance or two.
/// Tests use fresh users and their own dates, so a subclass may share one store across all of them.
/// </summary>
public abstract class UsageStoreContract
{
    /// <summary>A Tuesday at 10:20:05 UTC, far from today, so windows are the test's own.</summary>
    private static readonly DateTimeOffset Morning = new(2031, 3, 11, 10, 20, 5, TimeSpan.Zero);

    private static readonly UserLimits Roomy = new() { AnswersAtOnce = 100, MessagesPerMinute = 1000, ConversationsPerDay = 1000, TokensPerDay = 1_000_000 };

    protected abstract IUsageStore Store { get; }

    /// <summary>A second store on the same data (file or table), as a second app instance would have.</summary>
    protected abstract IUsageStore SecondInstance { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DateOnly Day(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime);

    private Task<UsageLimit?> BeginAsync(string user, UserLimits limits, DateTimeOffset? at = null) =>
        Store.BeginTurnAsync(user, at ?? Morning, limits, Morning.AddHours(-1), Ct);

    [Fact]
    public async Task BeginTurn_AtAnswersAtOnce_IsRefusedUntilAnAnswerEnds()
    {
        var user = NewUser();
        var limits = Roomy with { AnswersAtOnce = 2 };

        Assert.Null(await BeginAsync(user, limits));
        Assert.Null(await BeginAsync(user, limits));
        Assert.Equal(UsageLimit.AnswersAtOnce, await BeginAsync(user, limits));

        await Store.EndTurnAsync(user, Day(Morning), new TurnUsage("m", 1, 1, Failed: false), Ct);
        Assert.Null(await BeginAsync(user, limits));
    }

    [Fact]
    public async Task BeginTurn_AtMessagesPerMinute_IsRefusedUntilTheNextMinute()
    {
        var user = NewUser();
        var limits = Roomy with { MessagesPerMinute = 3 };
        for (var i = 0; i < 3; i++)
        {
            Assert.Null(await BeginAsync(user, limits, Morning.AddSeconds(i)));
            await Store.EndTurnAsync(user, Day(Morning), TurnUsage.NotAnswered, Ct);
        }

        Assert.Equal(UsageLimit.MessagesPerMinute, await BeginAsync(user, limits, Morning.AddSeconds(50)));
        Assert.Null(await BeginAsync(user, limits, Morning.AddSeconds(60)));
    }

    [Fact]
    public async Task BeginTurn_WhenTheDaysTokensAreSpent_IsRefusedUntilTheNextDay()
    {
        var user = NewUser();
        var limits = Roomy with { TokensPerDay = 100 };
        Assert.Null(await BeginAsync(user, limits));
        await Store.EndTurnAsync(user, Day(Morning), new TurnUsage("m", 60, 40, Failed: false), Ct);

        Assert.Equal(UsageLimit.TokensPerDay, await BeginAsync(user, limits, Morning.AddMinutes(5)));
        Assert.Null(await BeginAsync(user, limits, Morning.AddDays(1)));
    }

    [Fact]
    public async Task BeginTurn_WhenNothingBeganSinceStaleBefore_DoesNotCountAnswersWhoseInstanceDied()
    {
        var user = NewUser();
        var limits = Roomy with { AnswersAtOnce = 1 };
        var early = Morning.AddHours(-3);
        Assert.Null(await Store.BeginTurnAsync(user, early, limits, early.AddHours(-1), Ct));

        Assert.Equal(UsageLimit.AnswersAtOnce, await Store.BeginTurnAsync(user, early.AddMinutes(1), limits, early.AddMinutes(-10), Ct));
        Assert.Null(await Store.BeginTurnAsync(user, Morning, limits, staleBefore: Morning.AddHours(-1), Ct));
    }

    [Fact]
    public async Task ZeroLimits_RefuseEverything()
    {
        var user = NewUser();
        Assert.Equal(UsageLimit.AnswersAtOnce, await BeginAsync(user, Roomy with { AnswersAtOnce = 0 }));
        Assert.Equal(UsageLimit.MessagesPerMinute, await BeginAsync(user, Roomy with { MessagesPerMinute = 0 }));
        Assert.Equal(UsageLimit.TokensPerDay, await BeginAsync(user, Roomy with { TokensPerDay = 0 }));
        Assert.False(await Store.AddConversationAsync(user, Day(Morning), 0, Ct));
    }

    [Fact]
    public async Task AddConversation_AtTheDaysLimit_IsRefusedUntilTheNextDay()
    {
        var user = NewUser();
        Assert.True(await Store.AddConversationAsync(user, Day(Morning), 2, Ct));
        Assert.True(await Store.AddConversationAsync(user, Day(Morning), 2, Ct));
        Assert.False(await Store.AddConversationAsync(user, Day(Morning), 2, Ct));
        Assert.True(await Store.AddConversationAsync(user, Day(Morning).AddDays(1), 2, Ct));
    }

    [Fact]
    public async Task ConcurrentTurnsOnTwoInstances_NeverPassTheLimit()
    {
        var user = NewUser();
        var limits = Roomy with { AnswersAtOnce = 5 };

        var results = await Task.WhenAll(Enumerable.Range(0, 24).Select(i =>
            (i % 2 == 0 ? Store : SecondInstance).BeginTurnAsync(user, Morning, limits, Morning.AddHours(-1), Ct)));

        Assert.Equal(5, results.Count(r => r is null));
        Assert.All(results.Where(r => r is not null), r => Assert.Equal(UsageLimit.AnswersAtOnce, r));
    }

    [Fact]
    public async Task ConcurrentConversationsOnTwoInstances_NeverPassTheLimit()
    {
        var user = NewUser();

        var results = await Task.WhenAll(Enumerable.Range(0, 24).Select(i =>
            (i % 2 == 0 ? Store : SecondInstance).AddConversationAsync(user, Day(Morning), 7, Ct)));

        Assert.Equal(7, results.Count(added => added));
    }

    [Fact]
    public async Task Limits_AreStoredReplacedAndRemoved()
    {
        var user = NewUser();
        Assert.Null(await Store.GetLimitsAsync(user, Ct));

        await Store.SetLimitsAsync(user, new UserLimitsOverride(5, null, 20, 1_000_000), Ct);
        Assert.Equal(new UserLimitsOverride(5, null, 20, 1_000_000), await SecondInstance.GetLimitsAsync(user, Ct));

        await Store.SetLimitsAsync(user, new UserLimitsOverride(null, 3, null, null), Ct);
        Assert.Equal(new UserLimitsOverride(null, 3, null, null), await Store.GetLimitsAsync(user, Ct));

        await Store.SetLimitsAsync(user, new UserLimitsOverride(null, null, null, null), Ct);
        Assert.Null(await Store.GetLimitsAsync(user, Ct));
    }

    [Fact]
    public async Task Usage_ReportsTurnsErrorsConversationsAndTokensPerModelPerDay()
    {
        var (alice, bob) = (NewUser(), NewUser());
        var day = Day(Morning);
        await Store.AddConversationAsync(alice, day, 10, Ct);
        foreach (var (model, failed) in new[] { ("small", false), ("small", true), ("large", false) })
        {
            Assert.Null(await BeginAsync(alice, Roomy));
            await Store.EndTurnAsync(alice, day, new TurnUsage(model, 100, 10, failed), Ct);
        }

        Assert.Null(await BeginAsync(bob, Roomy, Morning.AddDays(1)));
        await Store.EndTurnAsync(bob, day.AddDays(1), new TurnUsage("small", 7, 3, Failed: false), Ct);

        var aliceDays = await Store.GetUsageAsync(alice, day.AddDays(-1), day.AddDays(1), Ct);
        var only = Assert.Single(aliceDays);
        Assert.Equal((alice, day, 3L, 1L, 1L), (only.UserId, only.Day, only.Turns, only.Errors, only.Conversations));
        Assert.Equal(new ModelTokens(200, 20), only.Models["small"]);
        Assert.Equal(new ModelTokens(100, 10), only.Models["large"]);
        Assert.Equal((300L, 30L), (only.InputTokens, only.OutputTokens));

        var everyone = (await SecondInstance.GetAllUsageAsync(day, day.AddDays(1), Ct)).Where(d => d.UserId == alice || d.UserId == bob).ToList();
        Assert.Equal([(alice, day), (bob, day.AddDays(1))], everyone.Select(d => (d.UserId, d.Day)));
        Assert.DoesNotContain(await Store.GetAllUsageAsync(day.AddDays(2), day.AddDays(3), Ct), d => d.UserId == alice || d.UserId == bob);
    }
}
