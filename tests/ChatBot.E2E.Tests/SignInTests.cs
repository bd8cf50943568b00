using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using ChatBot.TestKit;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;

namespace ChatBot.E2E.Tests;

/// <summary>
/// The app as deployed, but against <see cref="LocalOidcProvider"/> instead of Cognito: Auth:Mode=Jwt, so the API checks
/// every token against the provider's JWKS, and config.json points the web app's oidc-client-ts at the provider.
/// </summary>
public sealed class SignInFixture : IAsyncLifetime
{
    public LocalOidcProvider Provider { get; private set; } = null!;

    public E2EApp App { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Provider = await LocalOidcProvider.StartAsync();
        App = new E2EApp(
            new Dictionary<string, string?>
            {
                ["Auth:Mode"] = "Jwt",
                ["Auth:Jwt:Authority"] = Provider.Issuer,
                ["Auth:Jwt:Audience"] = LocalOidcProvider.ClientId,
                // The provider is plain HTTP on loopback; a real issuer is HTTPS and needs no switch.
                ["Auth:Jwt:AllowHttpOnLoopback"] = "true",
            },
            services => services.Configure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, options =>
            {
                // Lifetimes are checked to the second, so a test can have a token expire without waiting minutes.
                options.TokenValidationParameters.ClockSkew = TimeSpan.Zero;
            }));
        App.Start();
        Provider.AllowedRedirectUri = App.BaseAddress.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Provider.DisposeAsync();
    }
}

/// <summary>Signing in, chatting, signing out and signing in again, through the web app's real OIDC code.</summary>
public sealed class SignInTests(E2EFixture fixture, SignInFixture signIn) : BrowserTest(fixture), IClassFixture<SignInFixture>
{
    private LocalOidcProvider Provider => signIn.Provider;

    [Fact]
    public async Task FirstVisit_RedirectsToSignIn_ThenChats_WithTokensOnlyInSessionStorage()
    {
        var page = await SignInAsync("carol");

        await Expect(page.GetByTestId("signed-in-user")).ToHaveTextAsync("carol@example.com");
        // The single-use code is not left in the address bar or the history.
        Assert.DoesNotContain("code=", page.Url, StringComparison.Ordinal);
        await SendAsync(page, "Hello from Carol");
        await Expect(page.GetByTestId("assistant-message")).ToHaveTextAsync(TinyGgufModel.ExpectedChatAnswer);
        await Expect(page.GetByTestId("conversation-item")).ToHaveTextAsync("Hello from Carol");

        Assert.Equal(0, await page.EvaluateAsync<int>("() => localStorage.length"));
        var session = await page.EvaluateAsync<string>("() => JSON.stringify(sessionStorage)");
        Assert.Contains("access_token", session, StringComparison.Ordinal);
        Assert.Contains("refresh_token", session, StringComparison.Ordinal);

        // The API took the user from the token's sub: the conversation is the provider's subject's, no one else's.
        using var api = new HttpClient { BaseAddress = signIn.App.BaseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await AccessTokenAsync(page));
        var list = await api.GetStringAsync("/api/conversations", TestContext.Current.CancellationToken);
        Assert.Contains("Hello from Carol", list, StringComparison.Ordinal);
        using var anonymous = new HttpClient { BaseAddress = signIn.App.BaseAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/conversations", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task SignOut_EndsTheSessionAtTheProvider_AndForgetsTheTokens()
    {
        var page = await SignInAsync("dave");
        await Expect(page.GetByTestId("signed-in-user")).ToHaveTextAsync("dave@example.com");
        var endSessions = Provider.EndSessions;
        var refreshTokens = Provider.ActiveRefreshTokens;

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();

        await Expect(page.GetByTestId("signed-out")).ToBeVisibleAsync();
        Assert.Equal(endSessions + 1, Provider.EndSessions);
        Assert.Equal(refreshTokens - 1, Provider.ActiveRefreshTokens);
        Assert.DoesNotContain("access_token", await page.EvaluateAsync<string>("() => JSON.stringify(sessionStorage)"), StringComparison.Ordinal);

        // The provider's session is gone too: signing in asks for the user again instead of waving them through.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByLabel("Username")).ToBeVisibleAsync();
        Assert.StartsWith(Provider.AuthorizeEndpoint, page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unauthorized_MidSession_SignsInAgain_AndKeepsTheTypedMessage()
    {
        // Erin's first token dies long before the browser expects (it was told an hour), as when the clocks disagree.
        Provider.AccessTokenLifetimes["erin"] = TimeSpan.FromSeconds(5);
        var page = await SignInAsync("erin");
        Provider.AccessTokenLifetimes.Clear();
        await Expect(page.GetByTestId("signed-in-user")).ToHaveTextAsync("erin@example.com");
        var input = page.GetByLabel("Message", new() { Exact = true });
        await input.FillAsync("A question typed before the token expired");
        var oldToken = await AccessTokenAsync(page);
        await WaitUntilRefusedAsync(oldToken);

        var tokenExchange = page.WaitForResponseAsync(Provider.TokenEndpoint);
        await input.PressAsync("Enter");

        // Off to the provider (still signed in there, so no form), back with a code for new tokens, and the text is still there.
        Assert.True((await tokenExchange).Ok);
        await Expect(page.GetByTestId("signed-in-user")).ToHaveTextAsync("erin@example.com");
        await Expect(input).ToHaveValueAsync("A question typed before the token expired");
        Assert.NotEqual(oldToken, await AccessTokenAsync(page));
        await input.PressAsync("Enter");
        await Expect(page.GetByTestId("user-message")).ToHaveTextAsync("A question typed before the token expired");
        await Expect(page.GetByTestId("assistant-message")).ToHaveTextAsync(TinyGgufModel.ExpectedChatAnswer);
    }

    [Fact]
    public async Task ExpiringSession_IsRenewedWithTheRefreshToken_WithoutLeavingThePage()
    {
        // Told its tokens last 62 s, the web app renews a minute before: about a second after signing in.
        Provider.ReportedLifetimes["frank"] = 62;
        var refreshes = Provider.RefreshGrants;
        var page = await SignInAsync("frank");
        var firstToken = await AccessTokenAsync(page);
        var url = page.Url;

        await page.WaitForFunctionAsync(
            "first => JSON.parse(sessionStorage.getItem(Object.keys(sessionStorage).find(k => k.startsWith('oidc.user:')))).access_token !== first",
            firstToken);
        Provider.ReportedLifetimes.Clear();

        Assert.True(Provider.RefreshGrants > refreshes, "The new token did not come from the refresh token grant.");
        Assert.Equal(url, page.Url);
        await SendAsync(page, "Still here after the renewal");
        await Expect(page.GetByTestId("assistant-message")).ToHaveTextAsync(TinyGgufModel.ExpectedChatAnswer);
    }

    /// <summary>Opens the app in a fresh browser, is sent to the provider, signs in there and lands back in the app.</summary>
    private async Task<IPage> SignInAsync(string user)
    {
        var page = await (await NewContextAsync()).NewPageAsync();
        await page.GotoAsync(signIn.App.BaseAddress.ToString());

        await Expect(page).ToHaveURLAsync(new Regex("^" + Regex.Escape(Provider.AuthorizeEndpoint + "?")));
        Assert.Contains("code_challenge_method=S256", page.Url, StringComparison.Ordinal);
        await page.GetByLabel("Username").FillAsync(user);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("^" + Regex.Escape(signIn.App.BaseAddress.ToString())));
        await Expect(page.GetByLabel("Message", new() { Exact = true })).ToBeEditableAsync();
        return page;
    }

    private static async Task SendAsync(IPage page, string text)
    {
        await page.GetByLabel("Message", new() { Exact = true }).FillAsync(text);
        await page.GetByLabel("Message", new() { Exact = true }).PressAsync("Enter");
    }

    private static Task<string> AccessTokenAsync(IPage page) => page.EvaluateAsync<string>(
        "() => JSON.parse(sessionStorage.getItem(Object.keys(sessionStorage).find(k => k.startsWith('oidc.user:')))).access_token");

    /// <summary>Waits for the API to refuse the token, polling rather than sleeping a guessed time.</summary>
    private async Task WaitUntilRefusedAsync(string token)
    {
        using var api = new HttpClient { BaseAddress = signIn.App.BaseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if ((await api.GetAsync("/api/conversations", TestContext.Current.CancellationToken)).StatusCode == HttpStatusCode.Unauthorized)
            {
                return;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Fail("The API still accepts the expired token.");
    }
}
