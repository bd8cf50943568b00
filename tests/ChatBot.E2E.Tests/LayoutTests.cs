using System.Net.Http.Json;

namespace ChatBot.E2E.Tests;

/// <summary>
/// The app on a phone and a desktop, in light and dark. The screenshot test saves what it sees to
/// TestResults/screenshots (the ones in docs/screenshots are copies of these).
/// </summary>
public sealed class LayoutTests(E2EFixture fixture) : BrowserTest(fixture)
{
    [Fact]
    public async Task Phone_FitsTheWidth_AndTheConversationListIsADrawer()
    {
        await CreateConversationAsync("phone-user", "Packing list");
        var page = await OpenAsync("phone-user", viewport: Phone);
        var sidebar = page.Locator("#sidebar");

        await Expect(sidebar).ToBeHiddenAsync();
        await Expect(page.GetByLabel("Message", new() { Exact = true })).ToBeVisibleAsync();
        Assert.True(await FitsTheWidthAsync(page), "The page scrolls sideways at 375 px.");

        await page.GetByRole(AriaRole.Button, new() { Name = "Open conversations" }).ClickAsync();
        await Expect(sidebar).ToBeVisibleAsync();
        await Expect(sidebar.GetByTestId("conversation-item")).ToHaveTextAsync("Packing list");
        await Expect(sidebar.GetByTestId("new-chat")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(sidebar).ToBeHiddenAsync();

        await page.GetByLabel("Message", new() { Exact = true }).FillAsync("Hi from a phone");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await Expect(page.GetByTestId("assistant-message")).ToHaveAttributeAsync("data-status", "complete");
        Assert.True(await FitsTheWidthAsync(page), "The page scrolls sideways at 375 px once there is an answer.");
    }

    [Fact]
    public async Task ColourScheme_FollowsTheSystemSetting()
    {
        var light = await OpenAsync("light-user", colorScheme: ColorScheme.Light);
        var dark = await OpenAsync("dark-user", colorScheme: ColorScheme.Dark);
        await Expect(light.GetByLabel("Message", new() { Exact = true })).ToBeVisibleAsync();
        await Expect(dark.GetByLabel("Message", new() { Exact = true })).ToBeVisibleAsync();

        Assert.True(await BackgroundLuminanceAsync(light) > 0.8, "The light scheme's page is not light.");
        Assert.True(await BackgroundLuminanceAsync(dark) < 0.2, "The dark scheme's page is not dark.");
    }

    [Theory]
    [InlineData("desktop-light", "ana", false, ColorScheme.Light)]
    [InlineData("desktop-dark", "ben", false, ColorScheme.Dark)]
    [InlineData("phone-light", "cleo", true, ColorScheme.Light)]
    [InlineData("phone-dark", "dan", true, ColorScheme.Dark)]
    public async Task Screenshot_ACodeAnswer(string name, string user, bool phone, ColorScheme scheme)
    {
        foreach (var title in new[] { "Trip to Lisbon", "Sourdough starter schedule", "Explain HTTPS like I'm five" })
        {
            await CreateConversationAsync(user, title);
        }

        App.Models.Set(user, new ScriptedChatClient(ChatExperienceTests.Pieces(ChatExperienceTests.CodeAnswer)) { PieceDelay = ScriptedModels.Pace });
        var page = await OpenAsync(user, viewport: phone ? Phone : Desktop, colorScheme: scheme);
        await page.GetByLabel("Message", new() { Exact = true }).FillAsync("Write a Python function that removes duplicates from a list");
        await page.GetByLabel("Message", new() { Exact = true }).PressAsync("Enter");
        var answer = page.GetByTestId("assistant-message");
        await Expect(answer).ToHaveAttributeAsync("data-status", "complete");
        await Expect(answer.Locator(".hljs-keyword").First).ToBeVisibleAsync();
        // Nothing focused or hovered in the picture.
        await page.EvaluateAsync("() => document.activeElement?.blur()");
        await page.Mouse.MoveAsync(0, 0);

        Assert.True(await FitsTheWidthAsync(page), $"{name}: the page scrolls sideways.");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.Artifacts("screenshots"), $"{name}.png") });
    }

    private static Task<bool> FitsTheWidthAsync(IPage page) =>
        page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth");

    /// <summary>The relative luminance (0 black, 1 white) of the page behind the chat.</summary>
    private static Task<double> BackgroundLuminanceAsync(IPage page) => page.EvaluateAsync<double>(
        """
        () => {
          let element = document.querySelector('main.chat');
          while (element.parentElement && getComputedStyle(element).backgroundColor === 'rgba(0, 0, 0, 0)') element = element.parentElement;
          const [r, g, b] = getComputedStyle(element).backgroundColor.match(/\d+/g).map(Number);
          return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
        }
        """);

    private async Task CreateConversationAsync(string user, string title)
    {
        using var api = App.ApiFor(user);
        (await api.PostAsJsonAsync("/api/conversations", new { title }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
    }
}
