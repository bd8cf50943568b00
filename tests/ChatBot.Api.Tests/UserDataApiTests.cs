using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using ChatBot.Core;
using ChatBot.Storage.Sqlite;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace ChatBot.Api.Tests;

/// <summary>Search, export and delete-all over HTTP, on the local adapters (the DynamoDB run is in AwsAdaptersApiTests.UserData).</summary>
public sealed class UserDataApiTests
{
    private const string User = "alice";

    [Fact]
    public async Task Search_FindsTheCallersConversations_WithTheMatchMarkedInASnippet()
    {
        using var app = new ApiTestApp(new ScriptedChatClient("Try the Café Central."));
        var client = app.ClientFor(User);
        var trip = await client.CreateConversationAsync("Vienna trip");
        await client.SendJsonAsync(trip.Id, new { content = "Where should we have coffee?" });
        await client.CreateConversationAsync("Something else");
        await app.ClientFor("mallory").CreateConversationAsync("Café for mallory");

        var results = await client.GetFromJsonAsync<SearchResultListDto>("/api/conversations/search?q=CAFE", ApiTestApp.Json);

        var hit = Assert.Single(results!.Items);
        Assert.Equal((trip.Id, "Vienna trip", "message"), (hit.Id, hit.Title, hit.Snippet.Field));
        var highlight = Assert.Single(hit.Snippet.Highlights);
        Assert.Equal("Café", hit.Snippet.Text.Substring(highlight.Start, highlight.Length));
        Assert.Null(results.NextCursor);
    }

    [Theory]
    [InlineData("/api/conversations/search")]
    [InlineData("/api/conversations/search?q=%20%20")]
    [InlineData("/api/conversations/search?q=%3F%21")]
    [InlineData("/api/conversations/search?q=one+two+three+four+five+six+seven+eight+nine")]
    [InlineData("/api/conversations/search?q=cafe&limit=0")]
    [InlineData("/api/conversations/search?q=cafe&cursor=not-a-cursor")]
    [InlineData("/api/conversations/0123456789abcdef0123456789abcdef/export?format=pdf")]
    [InlineData("/api/conversations/not-an-id/export")]
    public async Task BadInput_IsA400Problem(string url)
    {
        using var app = new ApiTestApp(new ScriptedChatClient("ok"));

        var response = await app.ClientFor(User).GetAsync(url);

        await ConversationsApiTests.AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Search_TooLongAQuery_IsA400Problem()
    {
        using var app = new ApiTestApp(new ScriptedChatClient("ok"));

        var response = await app.ClientFor(User).GetAsync("/api/conversations/search?q=" + new string('a', SearchQuery.MaxLength + 1));

        await ConversationsApiTests.AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task ExportOne_AsMarkdownOrJson_IsADownloadOfTheWholeConversation()
    {
        using var app = new ApiTestApp(new ScriptedChatClient("Bring a jacket."));
        var client = app.ClientFor(User);
        var conversation = await client.CreateConversationAsync("Packing");
        await client.SendJsonAsync(conversation.Id, new { content = "What to pack for Oslo?" });

        var markdown = await client.GetAsync($"/api/conversations/{conversation.Id}/export?format=markdown");
        var json = await client.GetAsync($"/api/conversations/{conversation.Id}/export?format=json");

        Assert.Equal("text/markdown", markdown.Content.Headers.ContentType!.MediaType);
        Assert.Equal($"chatbot-{conversation.Id}.md", markdown.Content.Headers.ContentDisposition!.FileNameStar ?? markdown.Content.Headers.ContentDisposition.FileName);
        var text = await markdown.Content.ReadAsStringAsync();
        Assert.StartsWith("# Packing\n", text, StringComparison.Ordinal);
        Assert.Contains("## You · ", text, StringComparison.Ordinal);
        Assert.Contains("What to pack for Oslo?", text, StringComparison.Ordinal);
        Assert.Contains("## ChatBot · ", text, StringComparison.Ordinal);
        Assert.Contains("Bring a jacket.", text, StringComparison.Ordinal);
        var exported = await json.Content.ReadFromJsonAsync<ConversationDto>(ApiTestApp.Json);
        Assert.Equal(["What to pack for Oslo?", "Bring a jacket."], exported!.Messages!.Select(m => m.Content));
        Assert.Equal(HttpStatusCode.NotFound, (await app.ClientFor("mallory").GetAsync($"/api/conversations/{conversation.Id}/export")).StatusCode);
    }

    [Fact]
    public async Task ExportOne_AsMarkdown_ShowsEachAnswersModelAndFeedback()
    {
        using var app = new ApiTestApp(new ScriptedChatClient("Bring a jacket."));
        var client = app.ClientFor(User);
        var conversation = await client.CreateConversationAsync("Packing");
        var rated = await ModelChoiceApiTests.ReadTurnAsync(await client.SendJsonAsync(conversation.Id, new { content = "What to pack for Oslo?" }));
        await ModelChoiceApiTests.ReadTurnAsync(await client.SendJsonAsync(conversation.Id, new { content = "And for Bergen?" }));
        var feedback = await client.PutAsJsonAsync(
            $"/api/conversations/{conversation.Id}/messages/{rated.Assistant.Id}/feedback", new { rating = "down", comment = "Too short." });
        feedback.EnsureSuccessStatusCode();

        var text = await client.GetStringAsync($"/api/conversations/{conversation.Id}/export?format=markdown");

        var model = rated.Assistant.Model;
        Assert.False(string.IsNullOrEmpty(model));
        Assert.Contains($" · {model}\n\nBring a jacket.\n\nFeedback: down — Too short.\n\n## You", text, StringComparison.Ordinal);
        Assert.EndsWith($" · {model}\n\nBring a jacket.\n", text, StringComparison.Ordinal);
        Assert.Equal(2, Occurrences(text, $" · {model}\n"));
        Assert.Equal(1, Occurrences(text, "Feedback:"));
    }

    private static int Occurrences(string text, string value) => text.Split(value).Length - 1;

    [Fact]
    public async Task ExportAll_StreamsEveryConversation_ReadingTheStoreAPageAndAConversationAtATime()
    {
        var calls = new ConcurrentQueue<string>();
        using var app = new CountingStoreApp(calls);
        var client = app.ClientFor(User);
        for (var i = 0; i < 30; i++)
        {
            await client.CreateConversationAsync($"Conversation {i}");
        }

        calls.Clear();
        using var response = await client.GetAsync("/api/conversations/export", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);

        // Read as a stream, one conversation at a time, as a client saving a large archive would.
        var titles = new List<string>();
        await using (var body = await response.Content.ReadAsStreamAsync())
        {
            using var document = await JsonDocument.ParseAsync(body);
            titles.AddRange(document.RootElement.GetProperty("conversations").EnumerateArray().Select(c => c.GetProperty("title").GetString()!));
        }

        Assert.Equal(30, titles.Count);
        Assert.Equal(Enumerable.Range(0, 30).Reverse().Select(i => $"Conversation {i}"), titles);
        Assert.Equal(["ListConversationsAsync(25)", "ListConversationsAsync(25)"], calls.Where(c => c.StartsWith("List", StringComparison.Ordinal)));
        Assert.Equal(30, calls.Count(c => c.StartsWith("GetConversationAsync", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task DeleteAll_DeletesOnlyTheCallersConversations_AndASecondCallFindsNothing()
    {
        using var app = new ApiTestApp(new ScriptedChatClient("ok"));
        var client = app.ClientFor(User);
        for (var i = 0; i < 3; i++)
        {
            var conversation = await client.CreateConversationAsync($"Mine {i}");
            await client.SendJsonAsync(conversation.Id, new { content = "hello" });
        }

        var theirs = await app.ClientFor("bob").CreateConversationAsync("Bob's");

        var first = await (await client.DeleteAsync("/api/conversations")).Content.ReadFromJsonAsync<DeleteAllDto>(ApiTestApp.Json);
        var second = await (await client.DeleteAsync("/api/conversations")).Content.ReadFromJsonAsync<DeleteAllDto>(ApiTestApp.Json);

        Assert.Equal((3, 0), (first!.Deleted, second!.Deleted));
        Assert.Empty((await client.GetFromJsonAsync<ConversationListDto>("/api/conversations", ApiTestApp.Json))!.Items);
        Assert.Equal(theirs.Id, Assert.Single((await app.ClientFor("bob").GetFromJsonAsync<ConversationListDto>("/api/conversations", ApiTestApp.Json))!.Items).Id);
    }

    /// <summary>The local app with its store wrapped so a test sees every call the API makes to it.</summary>
    private sealed class CountingStoreApp(ConcurrentQueue<string> calls) : ApiTestApp(new ScriptedChatClient("ok"))
    {
        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => services.AddSingleton<IConversationStore>(
                provider => CountingStore.Wrap(provider.GetRequiredService<SqliteConversationStore>(), calls)));
        }
    }
}

/// <summary>Forwards every call to the real store and records it with its first number argument (a limit).</summary>
public class CountingStore : DispatchProxy
{
    private IConversationStore _inner = null!;
    private ConcurrentQueue<string> _calls = null!;

    public static IConversationStore Wrap(IConversationStore inner, ConcurrentQueue<string> calls)
    {
        var proxy = Create<IConversationStore, CountingStore>();
        var counting = (CountingStore)(object)proxy;
        counting._inner = inner;
        counting._calls = calls;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        var limit = args?.OfType<int>().Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
        _calls.Enqueue($"{targetMethod!.Name}({(targetMethod.Name.StartsWith("List", StringComparison.Ordinal) ? limit : "")})");
        return targetMethod.Invoke(_inner, args);
    }
}

public sealed record SearchResultListDto(List<SearchResultDto> Items, string? NextCursor);

public sealed record SearchResultDto(string Id, string? Title, SnippetDto Snippet);

public sealed record SnippetDto(string Field, string? MessageId, string Text, List<HighlightDto> Highlights);

public sealed record HighlightDto(int Start, int Length);

public sealed record DeleteAllDto(int Deleted);
