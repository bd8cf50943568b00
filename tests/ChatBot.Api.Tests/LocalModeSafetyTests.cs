using System.Net;
using System.Net.Http.Json;
using ChatBot.Api.Identity;
using ChatBot.Api.Infrastructure;

namespace ChatBot.Api.Tests;

/// <summary>Local mode on a shared machine: only loopback host names, and the web app served with the deployed site's security headers.</summary>
public sealed class LocalModeSafetyTests : IClassFixture<LocalModeSafetyTests.WebApp>
{
    private readonly WebApp _app;

    public LocalModeSafetyTests(WebApp app) => _app = app;

    /// <summary>The app in local mode serving a (one-page) built web app, as ./run.sh does.</summary>
    public sealed class WebApp() : ApiTestApp(settings: new Dictionary<string, string?> { ["Web:Root"] = WebRoot() })
    {
        private static string WebRoot()
        {
            var root = Directory.CreateTempSubdirectory("chatbot-web-").FullName;
            File.WriteAllText(Path.Combine(root, "index.html"), "<!doctype html><title>ChatBot</title>");
            return root;
        }
    }

    private async Task<HttpResponseMessage> GetAsync(string path, string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = host;
        return await _app.CreateClient().SendAsync(request);
    }

    [Theory]
    [InlineData("attacker.example")]
    [InlineData("attacker.example:5080")]
    [InlineData("127.0.0.1.nip.io")]
    [InlineData("192.168.1.20:5080")]
    public async Task DevelopmentMode_RefusesHostNamesOtherThanLoopback_WithAProblem(string host)
    {
        var response = await GetAsync("/api/conversations", host);

        await ConversationsApiTests.AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("localhost:5080")]
    [InlineData("127.0.0.1:5080")]
    [InlineData("[::1]:5080")]
    public async Task DevelopmentMode_AnswersOnLoopbackHostNames(string host)
    {
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/api/conversations", host)).StatusCode);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/config.json")]
    [InlineData("/api/health")]
    [InlineData("/c/some-client-route")]
    public async Task WebApp_IsServedWithTheDeployedSecurityHeaders(string path)
    {
        var response = await GetAsync(path, "localhost:5080");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        foreach (var (name, value) in WebSecurityHeaders.Local([]))
        {
            Assert.Equal(value, string.Join(", ", response.Headers.TryGetValues(name, out var values) ? values : []));
        }

        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigJson_CarriesTheServersUserIdRule_AndMessageSizeLimit()
    {
        var config = await (await GetAsync("/config.json", "localhost")).Content.ReadFromJsonAsync<Dictionary<string, System.Text.Json.JsonElement>>();

        Assert.Equal(UserIds.Pattern, config!["userIdPattern"].GetString());
        Assert.Equal(UserIds.Rule, config["userIdRule"].GetString());
        Assert.Equal(16 * 1024, config["maxMessageBytes"].GetInt32());
    }
}

/// <summary>The one user-id rule: the server's check, the pattern it sends the web app, and the web app's own fallback agree.</summary>
public sealed class UserIdRuleTests
{
    [Theory]
    [InlineData("alice+test", true)]
    [InlineData("3f1c0e9a-7b7e-4f7e-9d7e-2c1b5a6f0e11", true)]
    [InlineData("bob@example.com", true)]
    [InlineData("a.b_c-d", true)]
    [InlineData("", false)]
    [InlineData("a#b", false)]
    [InlineData("two words", false)]
    [InlineData("tab\tbed", false)]
    [InlineData("line\n", false)]
    [InlineData("ümlaut", false)]
    [InlineData("slash/", false)]
    public void Pattern_AndCheck_AgreeOnEveryName(string name, bool valid)
    {
        Assert.Equal(valid, UserIds.IsValid(name));
        // JavaScript's $ never matches before a final newline; \z makes .NET read the pattern the same way.
        Assert.Equal(valid, System.Text.RegularExpressions.Regex.IsMatch(name, UserIds.Pattern.TrimEnd('$') + "\\z"));
    }

    [Fact]
    public void Length_IsLimitedAlike()
    {
        Assert.True(UserIds.IsValid(new string('a', UserIds.MaxLength)));
        Assert.False(UserIds.IsValid(new string('a', UserIds.MaxLength + 1)));
        Assert.DoesNotMatch(UserIds.Pattern, new string('a', UserIds.MaxLength + 1));
    }

    [Fact]
    public void WebAppFallback_IsTheServersRule()
    {
        // The web app keeps a copy only for a server that sends no config.json; it must be this rule.
        var config = File.ReadAllText(Path.Combine(RepositoryRoot(), "frontend", "src", "config.ts"));

        Assert.Contains($"export const DefaultUserIdPattern = '{UserIds.Pattern}';", config, StringComparison.Ordinal);
        Assert.Contains($"export const DefaultUserIdRule = '{UserIds.Rule}';", config, StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ChatBot.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The tests run outside the repository: ChatBot.sln not found above " + AppContext.BaseDirectory);
    }
}
