using ChatBot.Core.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace ChatBot.E2E.Tests;

/// <summary>What a user sees at a usage limit: the limit in plain words, their text still in the box, and their budget.</summary>
public sealed class UsageLimitsTests(E2EFixture fixture) : BrowserTest(fixture)
{
    [Fact]
    public async Task AtTheDailyTokenLimit_TheRefusalNamesTheLimit_KeepsTheText_AndTheBudgetShows()
    {
        // As an admin would: this user may use one token a day, so the first answer spends the day's budget.
        await App.Services.GetRequiredService<IUsageStore>().SetLimitsAsync(
            "budgeted", new UserLimitsOverride(null, null, null, TokensPerDay: 1), TestContext.Current.CancellationToken);
        var page = await OpenAsync("budgeted");
        var box = page.GetByLabel("Message", new() { Exact = true });

        await box.FillAsync("First question");
        await box.PressAsync("Enter");
        await Expect(page.GetByTestId("assistant-message")).ToHaveAttributeAsync("data-status", "complete");
        await Expect(page.GetByTestId("budget-notice")).ToContainTextAsync("You have used today's 1 model tokens");

        await box.FillAsync("A second question worth keeping");
        await box.PressAsync("Enter");

        await Expect(page.GetByTestId("chat-error")).ToContainTextAsync("You've reached your limit of 1 model tokens per day. You can send again");
        await Expect(box).ToHaveValueAsync("A second question worth keeping");
        await Expect(page.GetByTestId("user-message")).ToHaveCountAsync(1);

        await page.GetByTestId("usage-link").ClickAsync();
        await Expect(page.GetByTestId("account-page")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("tokens-today")).ToContainTextAsync("of 1 model tokens used, 0 left");
        await Expect(page.GetByTestId("usage-chart")).ToBeVisibleAsync();
    }
}
