using ChatBot.TestKit;

namespace ChatBot.E2E.Tests;

/// <summary>Model output is untrusted, and one development user never sees another's conversations.</summary>
public sealed class SecurityTests(E2EFixture fixture) : BrowserTest(fixture)
{
    [Fact]
    public async Task ModelAnswerWithScriptPayloads_NeverRuns_EvenWhenTheLinkIsClicked()
    {
        App.Models.Set("xss", new ScriptedChatClient(
            "Here you go: <img src=x onerror=\"window.__xss=1\"> and ",
            "<script>window.__xss=1</script> and a ",
            "[link](javascript:window.__xss=1) and an image ![pic](javascript:window.__xss=1).") { PieceDelay = ScriptedModels.Pace });
        var page = await OpenAsync("xss");
        var dialogs = 0;
        page.Dialog += (_, dialog) =>
        {
            Interlocked.Increment(ref dialogs);
            _ = dialog.DismissAsync();
        };

        await page.GetByLabel("Message", new() { Exact = true }).FillAsync("Show me something dangerous");
        await page.GetByLabel("Message", new() { Exact = true }).PressAsync("Enter");
        var answer = page.GetByTestId("assistant-message");
        await Expect(answer).ToHaveAttributeAsync("data-status", "complete");
        // Raw HTML is shown as text, not parsed into elements.
        await Expect(answer).ToContainTextAsync("<img src=x onerror=\"window.__xss=1\">");
        await Expect(answer).ToContainTextAsync("<script>window.__xss=1</script>");
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);

        Assert.Equal(0, await answer.Locator("script, img, iframe, [onerror], [onload]").CountAsync());
        Assert.Equal(0, await answer.Locator("[href^='javascript:' i], [src^='javascript:' i]").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("() => window.__xss === undefined"), "A payload in the answer ran after rendering.");

        await answer.GetByText("link", new() { Exact = true }).ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        Assert.True(await page.EvaluateAsync<bool>("() => window.__xss === undefined"), "The javascript: link ran when clicked.");
        Assert.Equal(0, dialogs);
        await Expect(answer).ToHaveAttributeAsync("data-status", "complete");
    }

    [Fact]
    public async Task TwoDevelopmentUsers_CannotSeeEachOthersConversations()
    {
        var page = await OpenAsync("alice");
        await page.GetByLabel("Message", new() { Exact = true }).FillAsync("Alice's secret plan");
        await page.GetByLabel("Message", new() { Exact = true }).PressAsync("Enter");
        await Expect(page.GetByTestId("assistant-message")).ToHaveTextAsync(TinyGgufModel.ExpectedChatAnswer);
        var alicesConversation = new Uri(page.Url).Fragment;

        // Bob, through the local-mode user switcher in the same tab: an empty list, and Alice's link leads nowhere.
        await page.GetByRole(AriaRole.Textbox, new() { Name = "Development user" }).FillAsync("bob");
        await page.GetByRole(AriaRole.Button, new() { Name = "Switch" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Textbox, new() { Name = "Development user" })).ToHaveValueAsync("bob");
        await Expect(page.GetByText("No conversations yet.")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("conversation-item")).ToHaveCountAsync(0);
        await Expect(page.GetByText("Alice's secret plan")).ToHaveCountAsync(0);

        await page.GotoAsync(App.BaseAddress + alicesConversation);
        await Expect(page.GetByTestId("conversation-error")).ToContainTextAsync("does not exist, or it belongs to someone else");
        await Expect(page.GetByTestId("user-message")).ToHaveCountAsync(0);

        // Bob's own conversation stays his.
        await page.GetByTestId("new-chat").ClickAsync();
        await page.GetByLabel("Message", new() { Exact = true }).FillAsync("Bob's shopping list");
        await page.GetByLabel("Message", new() { Exact = true }).PressAsync("Enter");
        await Expect(page.GetByTestId("assistant-message")).ToHaveAttributeAsync("data-status", "complete");
        await Expect(page.GetByTestId("conversation-item")).ToHaveTextAsync("Bob's shopping list");

        // Back to Alice: only hers.
        await page.GetByRole(AriaRole.Textbox, new() { Name = "Development user" }).FillAsync("alice");
        await page.GetByRole(AriaRole.Button, new() { Name = "Switch" }).ClickAsync();
        await Expect(page.GetByTestId("conversation-item")).ToHaveTextAsync("Alice's secret plan");
    }
}
