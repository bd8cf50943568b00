using System.Diagnostics;
using System.Net;
using ChatBot.TestKit;

namespace ChatBot.Api.Tests;

/// <summary>Auth:Mode=ApiGateway reads the claims API Gateway's Cognito authorizer verified, as the Lambda Web Adapter forwards them.</summary>
public sealed class ApiGatewayModeTests
{
    private static ApiTestApp CreateApp() => new(new ScriptedChatClient("ok"), new Dictionary<string, string?>
    {
        ["Auth:Mode"] = "ApiGateway",
        ["Auth:AllowApiGatewayOffLambda"] = "true",
    });

    private static HttpClient ClientWithContext(ApiTestApp app, string context)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("x-amzn-request-context", context);
        return client;
    }

    [Fact]
    public async Task VerifiedSubClaim_IdentifiesTheUser()
    {
        using var app = CreateApp();
        var alice = ClientWithContext(app, """{"authorizer":{"claims":{"sub":"3f1c-alice","token_use":"access"}}}""");
        var bob = ClientWithContext(app, """{"authorizer":{"claims":{"sub":"9a2b-bob"}}}""");
        var conversation = await alice.CreateConversationAsync("alice's");

        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync($"/api/conversations/{conversation.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/conversations/{conversation.Id}")).StatusCode);
    }

    [Fact]
    public async Task NoContext_Is401_ThatSaysHowToSignIn()
    {
        using var app = CreateApp();

        var problem = await Problems.AssertUnauthorizedAsync(await app.CreateClient().GetAsync("/api/conversations"), bearerError: false);

        Assert.Contains("Sign in", problem.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("\"x\"")]
    [InlineData("null")]
    [InlineData("42")]
    [InlineData("""{"authorizer":[]}""")]
    [InlineData("""{"authorizer":"x"}""")]
    [InlineData("""{"authorizer":{}}""")]
    [InlineData("""{"authorizer":{"claims":[]}}""")]
    [InlineData("""{"authorizer":{"claims":{"sub":5}}}""")]
    [InlineData("""{"authorizer":{"claims":{"sub":""}}}""")]
    [InlineData("""{"authorizer":{"claims":{"sub":"has#hash"}}}""")]
    [InlineData("""{"authorizer":{"claims":{"sub":"has space"}}}""")]
    public async Task MalformedContext_Is401_WithADetail_OnEveryRoute(string context)
    {
        using var app = CreateApp();
        var client = ClientWithContext(app, context);

        var problem = await Problems.AssertUnauthorizedAsync(await client.GetAsync("/api/conversations"), bearerError: true);
        Assert.Contains("API Gateway's request context", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/health")).StatusCode);
    }

    [Fact]
    public async Task HealthNeedsNoIdentity()
    {
        using var app = CreateApp();

        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().GetAsync("/api/health")).StatusCode);
    }
}

/// <summary>The guards that keep the header-trusting modes where they are safe, checked on the real published app.</summary>
public sealed class StartupGuardTests
{
    /// <summary>The built app as its own process, configured by environment variables on top of a fresh store and the test model.</summary>
    internal static ProcessStartInfo ApiProcess(IDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "ChatBot.Api.dll"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["Storage__Sqlite__Path"] = Path.Combine(Directory.CreateTempSubdirectory("chatbot-process-").FullName, "db.sqlite");
        foreach (var (key, value) in TestAppSettings.Model)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return start;
    }

    internal static async Task<(int ExitCode, string Output)> RunApiAsync(IDictionary<string, string> environment, params string[] arguments)
    {
        using var process = Process.Start(ApiProcess(environment, arguments))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The API kept running although it should have refused to start.");
        }

        return (process.ExitCode, await output + await error);
    }

    [Fact]
    public async Task DevelopmentMode_OnLambda_RefusesToStart()
    {
        var (exitCode, output) = await RunApiAsync(
            new Dictionary<string, string> { ["Auth__Mode"] = "Development", ["AWS_LAMBDA_FUNCTION_NAME"] = "chatbot-api" }, "--urls", "http://127.0.0.1:0");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Auth:Mode=Development is refused on AWS Lambda", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DevelopmentMode_BoundBeyondLoopback_RefusesToStart()
    {
        var (exitCode, output) = await RunApiAsync(new Dictionary<string, string> { ["Auth__Mode"] = "Development" }, "--urls", "http://0.0.0.0:0");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("only listens on loopback", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoBadSettings_EachGetsItsOwnReadableLine()
    {
        var (exitCode, output) = await RunApiAsync(
            new Dictionary<string, string> { ["Chat__MaxMessageBytes"] = "0", ["Cache__MaxConversations"] = "0" }, "--urls", "http://127.0.0.1:0");

        var readable = output.Split('\n').Where(line => line.StartsWith("ChatBot cannot start: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(1, exitCode);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
        Assert.Equal(2, readable.Count);
        Assert.Contains(readable, line => line.Contains("Chat:MaxMessageBytes must be between 1 and 1048576.", StringComparison.Ordinal));
        Assert.Contains(readable, line => line.Contains("Cache:MaxConversations must be between 1 and 10000000.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ApiGatewayMode_OffLambda_RefusesToStart()
    {
        var (exitCode, output) = await RunApiAsync(new Dictionary<string, string> { ["Auth__Mode"] = "ApiGateway" }, "--urls", "http://127.0.0.1:0");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("ChatBot cannot start: Auth:Mode=ApiGateway only works on AWS Lambda", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiGatewayMode_WithOnlyAFunctionName_RefusesToStart()
    {
        // Anyone can set a function name; only the Lambda runtime provides its runtime API endpoint.
        var (exitCode, output) = await RunApiAsync(
            new Dictionary<string, string> { ["Auth__Mode"] = "ApiGateway", ["AWS_LAMBDA_FUNCTION_NAME"] = "chatbot-api" }, "--urls", "http://127.0.0.1:0");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("AWS_LAMBDA_RUNTIME_API is not set", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiGatewayMode_BoundBeyondLoopback_RefusesToStart()
    {
        var (exitCode, output) = await RunApiAsync(
            new Dictionary<string, string> { ["Auth__Mode"] = "ApiGateway", ["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:9001" }, "--urls", "http://0.0.0.0:0");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("ChatBot cannot start: Auth:Mode=ApiGateway trusts the x-amzn-request-context header, so it only listens on loopback", output, StringComparison.Ordinal);
    }
}
