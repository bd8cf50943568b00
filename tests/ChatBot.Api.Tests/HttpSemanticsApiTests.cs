using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace ChatBot.Api.Tests;

/// <summary>The HTTP answers a client may rely on besides the happy path: content types, methods, HEAD and size limits.</summary>
public sealed class HttpSemanticsApiTests(SharedApp shared) : IClassFixture<SharedApp>
{
    private readonly ApiTestApp _app = shared.App;

    private static string NewUser() => $"user-{Guid.NewGuid():N}";

    [Fact]
    public async Task Create_WithNoBody_OrAnEmptyOne_CreatesAConversationWithoutTitle()
    {
        var client = _app.ClientFor(NewUser());

        var none = await client.PostAsync("/api/conversations", null);
        var empty = await client.PostAsync("/api/conversations", new StringContent("", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Created, none.StatusCode);
        Assert.Equal(HttpStatusCode.Created, empty.StatusCode);
        Assert.Null((await none.Content.ReadFromJsonAsync<ConversationDto>(ApiTestApp.Json))!.Title);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData(null)]
    public async Task JsonRoutes_WithABodyThatIsNotDeclaredJson_Are415Problems_AndChangeNothing(string? contentType)
    {
        var client = _app.ClientFor(NewUser());
        var conversation = await client.CreateConversationAsync("kept");
        HttpContent Body(string text)
        {
            var content = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
            if (contentType is not null)
            {
                content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
            }

            return content;
        }

        var create = await client.PostAsync("/api/conversations", Body("""{"title":"x"}"""));
        var rename = await client.PatchAsync($"/api/conversations/{conversation.Id}", Body("""{"title":"y"}"""));
        var send = await client.PostAsync($"/api/conversations/{conversation.Id}/messages", Body("""{"content":"hi"}"""));

        foreach (var response in new[] { create, rename, send })
        {
            await ConversationsApiTests.AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        }

        var list = await client.GetFromJsonAsync<ConversationListDto>("/api/conversations", ApiTestApp.Json);
        Assert.Equal(["kept"], list!.Items.Select(c => c.Title));
        Assert.Empty((await client.GetConversationAsync(conversation.Id)).Messages!);
    }

    [Theory]
    [InlineData("PUT", "/api/conversations/0123456789abcdef0123456789abcdef", "DELETE, GET, HEAD, PATCH")]
    [InlineData("TRACE", "/api/conversations/0123456789abcdef0123456789abcdef", "DELETE, GET, HEAD, PATCH")]
    [InlineData("PUT", "/api/conversations", "DELETE, GET, HEAD, POST")]
    [InlineData("GET", "/api/conversations/0123456789abcdef0123456789abcdef/messages", "POST")]
    [InlineData("PUT", "/api/health", "GET, HEAD")]
    public async Task WrongMethod_OnARouteThatExists_Is405WithAllow(string method, string path, string allow)
    {
        var client = _app.ClientFor(NewUser());

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await ConversationsApiTests.AssertProblemAsync(response, HttpStatusCode.MethodNotAllowed);
        Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow));
    }

    [Theory]
    [InlineData("/api/health")]
    [InlineData("/api/conversations")]
    public async Task Head_IsAnsweredWhereGetIs(string path)
    {
        var client = _app.ClientFor(NewUser());

        var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("POST", "/api/conversations")]
    [InlineData("PATCH", "/api/conversations/0123456789abcdef0123456789abcdef")]
    [InlineData("POST", "/api/conversations/0123456789abcdef0123456789abcdef/messages")]
    [InlineData("GET", "/api/conversations")]
    [InlineData("DELETE", "/api/conversations/0123456789abcdef0123456789abcdef")]
    public async Task Bodies_OverTheLimit_Are413Problems_OnEveryRoute(string method, string path)
    {
        var client = _app.ClientFor(NewUser());
        var huge = new StringContent("{\"content\":\"" + new string('a', 300 * 1024) + "\"}", Encoding.UTF8, "application/json");

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = huge });

        var problem = await ConversationsApiTests.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("bytes", problem.Detail, StringComparison.Ordinal);
        Assert.Empty((await client.GetFromJsonAsync<ConversationListDto>("/api/conversations", ApiTestApp.Json))!.Items);
    }

    [Fact]
    public async Task Send_AtTheLargestValidSize_FullyEscaped_FitsTheBodyLimit()
    {
        var client = _app.ClientFor(NewUser());
        var conversation = await client.CreateConversationAsync();
        // 16 KiB of a control character: every byte becomes six in JSON (\u0001), the worst case a valid message can reach.
        var body = new StringContent("{\"content\":\"x" + string.Concat(Enumerable.Repeat("\\u0001", (16 * 1024) - 1)) + "\"}", Encoding.UTF8, "application/json");

        var response = await client.PostAsync($"/api/conversations/{conversation.Id}/messages", body);

        Assert.NotEqual(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode}");
    }

    [Fact]
    public async Task OversizedUrlAndHeaders_GetProblemBodies()
    {
        var client = _app.ClientFor(NewUser());
        var longUrl = await client.GetAsync("/api/conversations?cursor=" + new string('a', 9000));
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/conversations");
        request.Headers.Add("X-Padding", new string('a', 33 * 1024));
        var bigHeaders = await client.SendAsync(request);

        await ConversationsApiTests.AssertProblemAsync(longUrl, HttpStatusCode.RequestUriTooLong);
        await ConversationsApiTests.AssertProblemAsync(bigHeaders, HttpStatusCode.RequestHeaderFieldsTooLarge);
    }

    [Fact]
    public async Task Titles_OnCreateAndRename_AreStoredAsOneLineWithoutControlBidiOrZeroWidthCharacters()
    {
        var client = _app.ClientFor(NewUser());
        const string Nasty = "\u0007\u001B[31mred\u202Egnp.exe\r\nX-Injected:\u200B 1";

        var created = await client.CreateConversationAsync(Nasty);
        var renamed = await client.PatchAsync($"/api/conversations/{created.Id}", JsonContent.Create(new { title = "\u202Eline one\nline two" }));
        var invisible = await client.PatchAsync($"/api/conversations/{created.Id}", JsonContent.Create(new { title = "\u200B\u202E\u0007" }));

        Assert.Equal("[31mredgnp.exe X-Injected: 1", created.Title);
        Assert.Equal("line one line two", (await renamed.Content.ReadFromJsonAsync<ConversationDto>(ApiTestApp.Json))!.Title);
        await ConversationsApiTests.AssertProblemAsync(invisible, HttpStatusCode.BadRequest);
        Assert.Equal("line one line two", (await client.GetConversationAsync(created.Id)).Title);
    }
}
