namespace ChatBot.E2E.Tests;

/// <summary>What a person sees at a turn's limits: a message too long for the model or the API, and the composer's count.</summary>
public sealed class TurnEdgesTests(E2EFixture fixture) : BrowserTest(fixture)
{
    [Fact]
    public async Task MessageTooLongForTheModel_IsRefusedWithTokenNumbers_LeavingNoEmptyConversation()
    {
        var page = await OpenAsync("verbose");
        // Well within the API's 16 KiB, far beyond the test model's 512-token window.
        var text = string.Join(' ', Enumerable.Repeat("antidisestablishmentarianism", 140));

        await page.GetByLabel("Message", new() { Exact = true }).FillAsync(text);
        await page.GetByLabel("Message", new() { Exact = true }).PressAsync("Enter");

        var error = page.GetByTestId("chat-error");
        await Expect(error).ToContainTextAsync("Your message was not sent.");
        await Expect(error).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"need \d+ tokens, but only \d+ fit"));
        await Expect(page.GetByLabel("Message", new() { Exact = true })).ToHaveValueAsync(text);
        await Expect(page.GetByTestId("conversation-title")).ToHaveTextAsync("New chat");
        await Expect(page.GetByTestId("conversation-item")).ToHaveCountAsync(0);

        await page.ReloadAsync();
        await Expect(page.GetByTestId("conversation-item")).ToHaveCountAsync(0);
        await Expect(page.GetByText("No conversations yet")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Composer_ShowsTheSizeLeftNearTheLimit_AndDisablesSendAboveIt()
    {
        var page = await OpenAsync("counter");
        var input = page.GetByLabel("Message", new() { Exact = true });
        var size = page.GetByTestId("composer-size");
        var send = page.GetByRole(AriaRole.Button, new() { Name = "Send" });

        await input.FillAsync(new string('a', 1000));
        await Expect(size).ToHaveCountAsync(0);
        await input.FillAsync(new string('a', 16_000));
        await Expect(size).ToHaveTextAsync("384 bytes left");
        await Expect(send).ToBeEnabledAsync();

        // "é" is two bytes: 8,193 of them are one byte over 16 KiB.
        await input.FillAsync(new string('é', 8193));
        await Expect(size).ToHaveTextAsync("Too long by 2 bytes: shorten the message to send it.");
        await Expect(send).ToBeDisabledAsync();
        await input.PressAsync("Enter");
        await Expect(page.GetByTestId("user-message")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("conversation-item")).ToHaveCountAsync(0);
    }
}
