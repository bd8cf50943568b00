using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChatBot.TestKit.Bedrock;

namespace ChatBot.E2E.Tests.Rehearsal;

/// <summary>
/// The web app as users meet it once deployed, in Chromium: the deployed host names, CloudFront's routes and headers
/// (CSP included), Cognito's two hosts, the API Gateway authorizer and the function's real environment, all as the
/// synthesized template sets them. Any CSP violation the browser reports fails the test.
/// </summary>
[Collection(RehearsalCollection.Name)]
public sealed class StackRehearsalTests(E2EFixture fixture, StackRehearsal rehearsal) : BrowserTest(fixture)
{
    private readonly ConcurrentQueue<string> _cspViolations = new();
    private readonly ConcurrentQueue<string> _requestsOffStack = new();

    [Theory]
    [InlineData("minimal")]
    [InlineData("full")]
    [InlineData("minimal llm=fargate")]
    public async Task SignsInThroughTheHostedUi_ChatsWithAStreamedAnswer_FindsItAfterReload_AndSignsOut(string synthesis)
    {
        var stack = await rehearsal.StackAsync(synthesis);
        var page = await SignInAsync(stack, "grace");

        await SendAsync(page, "Hello from the rehearsal");
        await Expect(page.GetByTestId("user-message")).ToHaveTextAsync("Hello from the rehearsal");
        var answer = page.GetByTestId("assistant-message");
        await Expect(answer).ToHaveTextAsync(ExpectedAnswer(stack, "Hello from the rehearsal"));
        await Expect(answer).ToHaveAttributeAsync("data-status", "complete");

        await page.ReloadAsync();
        await Expect(page.GetByTestId("conversation-item")).ToHaveTextAsync("Hello from the rehearsal");
        await page.GetByTestId("conversation-item").GetByRole(AriaRole.Link).ClickAsync();
        await Expect(answer).ToHaveTextAsync(ExpectedAnswer(stack, "Hello from the rehearsal"));

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByTestId("signed-out")).ToBeVisibleAsync();
        Assert.StartsWith(stack.SiteUrl, page.Url, StringComparison.Ordinal);
        AssertNoCspViolations();
        // Nothing the deployed pages asked for lives outside the stack and Cognito.
        Assert.Empty(_requestsOffStack);
    }

    [Fact]
    public async Task Stop_EndsTheStreamThroughTheEdgeAndTheGateway_AndTheStoppedAnswerIsKept()
    {
        var stack = await rehearsal.StackAsync("minimal");
        stack.Bedrock!.Enqueue(FakeBedrockReply.Stream(
            FakeStreamStep.Text("The first part of a long answer"), FakeStreamStep.Pause(TimeSpan.FromMinutes(2)), FakeStreamStep.Text(" that never arrives")));
        var calls = stack.Bedrock.Requests.Count;
        var page = await SignInAsync(stack, "heidi");

        await SendAsync(page, "Tell me everything");
        var answer = page.GetByTestId("assistant-message");
        await Expect(answer).ToContainTextAsync("The first part of a long answer");
        await page.GetByRole(AriaRole.Button, new() { Name = "Stop" }).ClickAsync();

        await Expect(answer).ToHaveAttributeAsync("data-status", "stopped");
        // The browser's abort went through CloudFront, API Gateway and the adapter to the app, which closed the model call.
        Assert.True(await stack.Bedrock.Requests[calls].ClientAborted.WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken));
        // The app stores the stopped answer once it has seen the abort, a moment after the model call closes; a reload in
        // that moment shows the question alone. Reload until the history has the answer, as a person would.
        for (var attempt = 1; ; attempt++)
        {
            await page.ReloadAsync();
            await page.GetByTestId("conversation-item").GetByRole(AriaRole.Link).ClickAsync();
            await Expect(page.GetByTestId("user-message")).ToContainTextAsync("Tell me everything");
            if (await answer.CountAsync() == 1 || attempt == 20)
            {
                break;
            }
        }

        await Expect(answer).ToHaveAttributeAsync("data-status", "stopped");
        await Expect(answer).ToContainTextAsync("The first part of a long answer");
        AssertNoCspViolations();
    }

    [Fact]
    public async Task ASecondUser_SeesNoneOfTheFirstUsersConversations()
    {
        var stack = await rehearsal.StackAsync("minimal");
        var ivan = await SignInAsync(stack, "ivan");
        await SendAsync(ivan, "Ivan's private question");
        await Expect(ivan.GetByTestId("assistant-message")).ToHaveAttributeAsync("data-status", "complete");

        var judy = await SignInAsync(stack, "judy");
        await Expect(judy.GetByTestId("signed-in-user")).ToHaveTextAsync("judy@example.com");
        await Expect(judy.GetByTestId("conversation-item")).ToHaveCountAsync(0);
        using var api = stack.Client();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(judy, "access_token"));
        var list = await api.GetStringAsync(stack.SiteUrl + "api/conversations", TestContext.Current.CancellationToken);
        Assert.DoesNotContain("Ivan", list, StringComparison.Ordinal);
        AssertNoCspViolations();
    }

    [Fact]
    public async Task Api_TakesOnlyAnAccessTokenWithTheMethodsScope_AndTheIdentityOnlyFromTheAuthorizer()
    {
        var stack = await rehearsal.StackAsync("minimal");
        var page = await SignInAsync(stack, "mallory");
        await SendAsync(page, "Mallory's own question");
        await Expect(page.GetByTestId("assistant-message")).ToHaveAttributeAsync("data-status", "complete");
        var conversations = stack.SiteUrl + "api/conversations";
        using var api = stack.Client();

        // No token: the gateway's own 401, in the API's problem shape.
        var anonymous = await api.GetAsync(conversations, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);
        Assert.Equal(401, JsonDocument.Parse(await anonymous.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("status").GetInt32());

        // The method has authorization scopes, so the ID token (no scope) is refused and the access token accepted.
        using var withIdToken = new HttpRequestMessage(HttpMethod.Get, conversations);
        withIdToken.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(page, "id_token"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.SendAsync(withIdToken, TestContext.Current.CancellationToken)).StatusCode);

        // A request context sent by the client is replaced by the adapter's: the user is the token's, not the header's.
        using var forged = new HttpRequestMessage(HttpMethod.Get, conversations);
        forged.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(page, "access_token"));
        forged.Headers.Add("x-amzn-request-context", """{"authorizer":{"claims":{"sub":"someone-else"}}}""");
        var list = await api.SendAsync(forged, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Contains("Mallory's own question", await list.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);

        // The public health route needs no token; /api/ itself has no method, so the gateway answers 404 in the problem shape.
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync(stack.SiteUrl + "api/health", TestContext.Current.CancellationToken)).StatusCode);
        var unknown = await api.GetAsync(stack.SiteUrl + "api/", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);

        // Straight to the execute-api URL, without the key only CloudFront sends: 403, even for the health route.
        using var direct = new HttpRequestMessage(HttpMethod.Get, $"https://{stack.Gateway.DomainName}/prod/api/health");
        Assert.Equal(HttpStatusCode.Forbidden, (await api.SendAsync(direct, TestContext.Current.CancellationToken)).StatusCode);
        AssertNoCspViolations();
    }

    [Fact]
    public async Task Edge_ServesTheDeployedConfigAndHeaders_AndRoutesClientSideRoutesToTheApp()
    {
        var stack = await rehearsal.StackAsync("minimal");
        using var client = stack.Client();

        var config = JsonDocument.Parse(await client.GetStringAsync(stack.SiteUrl + "config.json", TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal(stack.Identity.Client.ClientId, config.GetProperty("userPoolClientId").GetString());
        Assert.Equal(stack.Identity.HostedUi, config.GetProperty("cognitoDomain").GetString());
        Assert.Equal(stack.Identity.Issuer, $"https://cognito-idp.{config.GetProperty("region").GetString()}.amazonaws.com/{config.GetProperty("userPoolId").GetString()}");

        var route = await client.GetAsync(stack.SiteUrl + "c/some-conversation", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, route.StatusCode);
        Assert.Equal("text/html", route.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(stack.SiteUrl + "missing.js", TestContext.Current.CancellationToken)).StatusCode);
        foreach (var response in new[] { route, await client.GetAsync(stack.SiteUrl + "api/health", TestContext.Current.CancellationToken) })
        {
            Assert.StartsWith("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        }
    }

    /// <summary>Opens the site in a fresh browser, is sent to the hosted UI, signs in there and lands back in the app.</summary>
    private async Task<IPage> SignInAsync(RehearsedStack stack, string user)
    {
        var context = await NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = Desktop,
            // The stand-ins' certificate is the rehearsal's own; the proxy sends each deployed host name to its stand-in.
            IgnoreHTTPSErrors = true,
            Proxy = new Proxy { Server = stack.Proxy.Address },
        });
        context.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                _cspViolations.Enqueue(message.Text);
            }
        };
        context.Request += (_, request) =>
        {
            if (Uri.TryCreate(request.Url, UriKind.Absolute, out var url) && url.Scheme.StartsWith("http", StringComparison.Ordinal)
                && stack.Endpoints.LocalOrigin(url.Host) is null)
            {
                _requestsOffStack.Enqueue(request.Url);
            }
        };
        var page = await context.NewPageAsync();
        await page.GotoAsync(stack.SiteUrl);

        // Either the app sends the browser to the hosted UI, or the CSP stops it on the way: fail with what the browser said.
        var signInPage = new Regex("^" + Regex.Escape(stack.Identity.AuthorizeEndpoint + "?"));
        for (var waited = 0; !signInPage.IsMatch(page.Url) && _cspViolations.IsEmpty && waited < 15_000; waited += 100)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        AssertNoCspViolations();
        await Expect(page).ToHaveURLAsync(signInPage);
        await page.GetByLabel("Username").FillAsync(user);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("^" + Regex.Escape(stack.SiteUrl)));
        await Expect(page.GetByTestId("signed-in-user")).ToHaveTextAsync($"{user}@example.com");
        await Expect(page.GetByLabel("Message", new() { Exact = true })).ToBeEditableAsync();
        return page;
    }

    private void AssertNoCspViolations() =>
        Assert.True(_cspViolations.IsEmpty, "The browser reported Content Security Policy violations:" + Environment.NewLine + string.Join(Environment.NewLine, _cspViolations));

    /// <summary>What the model stand-in answers: the Bedrock endpoint's default reply, or the OpenAI-compatible server's echo.</summary>
    private static string ExpectedAnswer(RehearsedStack stack, string question) =>
        stack.Bedrock is not null ? "Hello from Bedrock." : "You said: " + question;

    private static async Task SendAsync(IPage page, string text)
    {
        await page.GetByLabel("Message", new() { Exact = true }).FillAsync(text);
        await page.GetByLabel("Message", new() { Exact = true }).PressAsync("Enter");
    }

    private static Task<string> TokenAsync(IPage page, string token) => page.EvaluateAsync<string>(
        $"() => JSON.parse(sessionStorage.getItem(Object.keys(sessionStorage).find(k => k.startsWith('oidc.user:')))).{token}");
}
