namespace ChatBot.E2E.Tests;

/// <summary>Debian's chromium driven by Playwright. Playwright never downloads a browser here: it is given this one.</summary>
public static class Chromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"{ExecutablePath} is missing. Install Debian's chromium (apt-get install -y chromium; scripts/install-prerequisites.sh does it).");
        }

        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic",
            ],
        });
        // A real browser on a 2-core machine that is also running the model and the build: generous, still bounded.
        SetDefaultExpectTimeout(15_000);
        return (playwright, browser);
    }
}

/// <summary>The one app and the one browser that every test shares; each test opens its own browser context and user.</summary>
public sealed class E2EFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public E2EApp App { get; } = new();

    public IBrowser Browser { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        App.Start();
        (_playwright, Browser) = await Chromium.LaunchAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        await App.DisposeAsync();
    }
}

/// <summary>
/// A test that drives the browser. Contexts it opens are closed after the test; when the test failed, each open page is
/// saved to TestResults/failures first, so a red run shows what the browser showed.
/// </summary>
public abstract class BrowserTest(E2EFixture fixture) : IAsyncLifetime
{
    private readonly List<IBrowserContext> _contexts = [];

    protected E2EFixture Fixture => fixture;

    protected E2EApp App => fixture.App;

    public static ViewportSize Desktop => new() { Width = 1280, Height = 800 };

    public static ViewportSize Phone => new() { Width = 375, Height = 740 };

    /// <summary>A fresh browser context (its own sessionStorage) as a development user, at the app's start page.</summary>
    protected async Task<IPage> OpenAsync(string user, string path = "", ViewportSize? viewport = null, ColorScheme colorScheme = ColorScheme.Light)
    {
        var context = await NewContextAsync(viewport, colorScheme);
        // The local-mode user switcher keeps the development user per tab in sessionStorage under this key.
        await context.AddInitScriptAsync($"sessionStorage.setItem('chatbot.devUser', {System.Text.Json.JsonSerializer.Serialize(user)});");
        var page = await context.NewPageAsync();
        await page.GotoAsync(App.BaseAddress + path);
        return page;
    }

    /// <summary>A fresh browser context, closed after the test: no cookies, no storage.</summary>
    protected Task<IBrowserContext> NewContextAsync(ViewportSize? viewport = null, ColorScheme colorScheme = ColorScheme.Light) =>
        NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = viewport ?? Desktop,
            ColorScheme = colorScheme,
            IsMobile = viewport?.Width < 600,
            HasTouch = viewport?.Width < 600,
        });

    /// <summary>A fresh browser context with these options, closed after the test.</summary>
    protected async Task<IBrowserContext> NewContextAsync(BrowserNewContextOptions options)
    {
        var context = await fixture.Browser.NewContextAsync(options);
        _contexts.Add(context);
        context.SetDefaultTimeout(15_000);
        return context;
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (TestContext.Current.TestState?.Result == TestResult.Failed)
        {
            var name = string.Concat((TestContext.Current.Test?.TestDisplayName ?? "test").Split(Path.GetInvalidFileNameChars()));
            var i = 0;
            foreach (var page in _contexts.SelectMany(c => c.Pages))
            {
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.Artifacts("failures"), $"{name}-{i++}.png"), FullPage = true });
            }
        }

        foreach (var context in _contexts)
        {
            await context.CloseAsync();
        }

        GC.SuppressFinalize(this);
    }
}
