using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace ChatBot.Api.Tests;

public sealed class ConversationsApiTests : IClassFixture<SharedApp>
{
    private readonly ApiTestApp _app;

    public ConversationsApiTests(SharedApp shared) => _app = shared.App;

    private static string NewUser() => "user-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Health_AnswersWithoutIdentity()
    {
        var response = await _app.CreateClient().GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public void Startup_DoesNotLoadTheDataProtectionKeyRing()
    {
        // Nothing in ChatBot uses Data Protection; loading its key ring at startup only lengthens Lambda cold starts.
        var hostedServices = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetServices<Microsoft.Extensions.Hosting.IHostedService>(_app.Services);

        Assert.DoesNotContain(hostedServices, s => s.GetType().Namespace!.StartsWith("Microsoft.AspNetCore.DataProtection", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Create_Returns201WithLocationAndTheConversation()
    {
        var client = _app.ClientFor(NewUser());

        var response = await client.PostAsJsonAsync("/api/conversations", new { title = "Trip ideas" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<ConversationDto>(ApiTestApp.Json);
        Assert.Equal("Trip ideas", created!.Title);
        Assert.Equal($"/api/conversations/{created.Id}", response.Headers.Location?.OriginalString);
        Assert.Empty((await client.GetConversationAsync(created.Id)).Messages!);
    }

    [Fact]
    public async Task List_ShowsOnlyTheCallersConversationsNewestFirst_InPages()
    {
        var client = _app.ClientFor(NewUser());
        var created = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            created.Add((await client.CreateConversationAsync($"c{i}")).Id);
        }

        await _app.ClientFor(NewUser()).CreateConversationAsync("someone else's");

        var first = await client.GetFromJsonAsync<ConversationListDto>("/api/conversations?limit=3", ApiTestApp.Json);
        var second = await client.GetFromJsonAsync<ConversationListDto>($"/api/conversations?limit=3&cursor={Uri.EscapeDataString(first!.NextCursor!)}", ApiTestApp.Json);

        Assert.Equal(["c4", "c3", "c2"], first.Items.Select(c => c.Title));
        Assert.Equal(["c1", "c0"], second!.Items.Select(c => c.Title));
        Assert.Null(second.NextCursor);
    }

    [Theory]
    [InlineData("/api/conversations?limit=0")]
    [InlineData("/api/conversations?limit=101")]
    [InlineData("/api/conversations?limit=ten")]
    [InlineData("/api/conversations?cursor=not-a-cursor")]
    public async Task List_WithBadPagingInput_Is400ProblemDetails(string url)
    {
        var response = await _app.ClientFor(NewUser()).GetAsync(url);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task List_WithAnotherUsersCursor_Is400()
    {
        var owner = _app.ClientFor(NewUser());
        for (var i = 0; i < 3; i++)
        {
            await owner.CreateConversationAsync($"c{i}");
        }

        var page = await owner.GetFromJsonAsync<ConversationListDto>("/api/conversations?limit=1", ApiTestApp.Json);

        var response = await _app.ClientFor(NewUser()).GetAsync($"/api/conversations?cursor={Uri.EscapeDataString(page!.NextCursor!)}");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task AnotherUsersConversation_Is404ForEveryOperation_ExactlyLikeAMissingOne()
    {
        var owner = _app.ClientFor(NewUser());
        var conversation = await owner.CreateConversationAsync("private");
        var stranger = _app.ClientFor(NewUser());
        var missing = Guid.CreateVersion7().ToString("N");

        foreach (var id in new[] { conversation.Id, missing })
        {
            await AssertProblemAsync(await stranger.GetAsync($"/api/conversations/{id}"), HttpStatusCode.NotFound);
            await AssertProblemAsync(await stranger.PatchAsJsonAsync($"/api/conversations/{id}", new { title = "mine" }), HttpStatusCode.NotFound);
            await AssertProblemAsync(await stranger.DeleteAsync($"/api/conversations/{id}"), HttpStatusCode.NotFound);
            await AssertProblemAsync(await stranger.SendJsonAsync(id, new { content = "hi" }), HttpStatusCode.NotFound);
        }

        Assert.Equal("private", (await owner.GetConversationAsync(conversation.Id)).Title);
    }

    [Fact]
    public async Task Rename_ChangesTheTitle()
    {
        var client = _app.ClientFor(NewUser());
        var conversation = await client.CreateConversationAsync("old");

        var response = await client.PatchAsJsonAsync($"/api/conversations/{conversation.Id}", new { title = "  new  " });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("new", (await client.GetConversationAsync(conversation.Id)).Title);
    }

    [Theory]
    [InlineData("{\"title\": \"\"}")]
    [InlineData("{\"title\": \"   \"}")]
    [InlineData("{\"title\": 42}")]
    [InlineData("{\"title\": ")]
    public async Task Rename_WithBadTitle_Is400AndChangesNothing(string body)
    {
        var client = _app.ClientFor(NewUser());
        var conversation = await client.CreateConversationAsync("kept");

        var response = await client.PatchAsync($"/api/conversations/{conversation.Id}", new StringContent(body, Encoding.UTF8, "application/json"));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("kept", (await client.GetConversationAsync(conversation.Id)).Title);
    }

    [Fact]
    public async Task Delete_RemovesTheConversation()
    {
        var client = _app.ClientFor(NewUser());
        var conversation = await client.CreateConversationAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/conversations/{conversation.Id}")).StatusCode);

        await AssertProblemAsync(await client.GetAsync($"/api/conversations/{conversation.Id}"), HttpStatusCode.NotFound);
        Assert.Empty((await client.GetFromJsonAsync<ConversationListDto>("/api/conversations", ApiTestApp.Json))!.Items);
    }

    [Theory]
    [InlineData("not-an-id")]
    [InlineData("0193A7C4E1B27C3F9E2D4A5B6C7D8E9F")]
    public async Task MalformedId_Is400(string id)
    {
        var response = await _app.ClientFor(NewUser()).GetAsync($"/api/conversations/{id}");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task UnknownApiRoute_Is404ProblemDetails()
    {
        await AssertProblemAsync(await _app.ClientFor(NewUser()).GetAsync("/api/nope"), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("bad user")]
    [InlineData("a#b")]
    [InlineData("ümlaut")]
    public async Task DevelopmentUserHeader_WithUnsafeCharacters_Is401_ThatStatesTheRule(string user)
    {
        var client = _app.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("X-ChatBot-User", user);

        var problem = await Problems.AssertUnauthorizedAsync(await client.GetAsync("/api/conversations"), bearerError: true);

        Assert.Contains(Identity.UserIds.Rule, problem.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("alice+test")]
    [InlineData("bob@example.com")]
    [InlineData("carol.o-neil_2")]
    public async Task DevelopmentUserHeader_WithinTheRule_IsAccepted(string user)
    {
        Assert.Equal(HttpStatusCode.OK, (await _app.ClientFor(user).GetAsync("/api/conversations")).StatusCode);
    }

    internal static async Task<Microsoft.AspNetCore.Mvc.ProblemDetails> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ProblemDetails>();
        Assert.False(string.IsNullOrWhiteSpace(problem!.Detail));
        return problem;
    }
}

/// <summary>One app for the tests that only need isolation by user, since starting a host per test is slow.</summary>
public sealed class SharedApp : IDisposable
{
    public ApiTestApp App { get; } = new();

    public void Dispose() => App.Dispose();
}
