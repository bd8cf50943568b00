using System.Net.Http.Json;
using System.Text.Json;

namespace ChatBot.E2E.Tests;

/// <summary>Searching the conversations, downloading them, and deleting them all, from the sidebar and the chat header.</summary>
public sealed class SearchExportAndDeleteAllTests(E2EFixture fixture) : BrowserTest(fixture)
{
    [Fact]
    public async Task Search_ShowsMatchingConversations_WithTheMatchHighlighted_AndClearingItShowsTheListAgain()
    {
        var porto = await CreateConversationAsync("searcher", "Weekend ideas");
        await SendAsync("searcher", porto, "Where is the best café in Porto?");
        await CreateConversationAsync("searcher", "Café plans");
        await CreateConversationAsync("searcher", "Unrelated");
        var page = await OpenAsync("searcher");
        await Expect(page.GetByTestId("conversation-item")).ToHaveCountAsync(3);

        var search = page.GetByRole(AriaRole.Searchbox, new() { Name = "Search conversations" });
        await search.FillAsync("PORTO");
        var results = page.GetByTestId("search-result");
        await Expect(results).ToHaveCountAsync(1);
        await Expect(results.First).ToContainTextAsync("Weekend ideas");
        await Expect(results.First.Locator("mark")).ToHaveTextAsync("Porto");

        await search.FillAsync("cafe");
        await Expect(results).ToHaveCountAsync(2);

        await search.FillAsync("nothing like this");
        await Expect(page.GetByText("No conversations match.")).ToBeVisibleAsync();

        await search.FillAsync("");
        await Expect(page.GetByTestId("search-results")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("conversation-item")).ToHaveCountAsync(3);

        await search.FillAsync("porto");
        await results.First.ClickAsync();
        await Expect(page.GetByTestId("conversation-title")).ToHaveTextAsync("Weekend ideas");
    }

    [Fact]
    public async Task Download_OneConversationAsMarkdown_AndAllAsJson()
    {
        var id = await CreateConversationAsync("downloader", "Packing list");
        await SendAsync("downloader", id, "What should I pack for Oslo?");
        await CreateConversationAsync("downloader", "Second");
        var page = await OpenAsync("downloader", $"#/c/{id}");
        await Expect(page.GetByTestId("user-message")).ToHaveCountAsync(1);

        var markdown = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Markdown" }).ClickAsync());
        Assert.Equal($"chatbot-{id}.md", markdown.SuggestedFilename);
        var text = await File.ReadAllTextAsync((await markdown.PathAsync())!, TestContext.Current.CancellationToken);
        Assert.StartsWith("# Packing list", text, StringComparison.Ordinal);
        Assert.Contains("What should I pack for Oslo?", text, StringComparison.Ordinal);

        var archive = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export-all").ClickAsync());
        Assert.Equal("chatbot-conversations.json", archive.SuggestedFilename);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync((await archive.PathAsync())!, TestContext.Current.CancellationToken));
        Assert.Equal(
            ["Second", "Packing list"],
            json.RootElement.GetProperty("conversations").EnumerateArray().Select(c => c.GetProperty("title").GetString()));
    }

    [Fact]
    public async Task DeleteAll_AsksFirst_ThenLeavesNothing()
    {
        await CreateConversationAsync("clean-slate", "First");
        await CreateConversationAsync("clean-slate", "Second");
        var page = await OpenAsync("clean-slate");
        await Expect(page.GetByTestId("conversation-item")).ToHaveCountAsync(2);

        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Delete all conversations?" });
        await page.GetByTestId("delete-all").ClickAsync();
        await Expect(dialog).ToBeVisibleAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("conversation-item")).ToHaveCountAsync(2);

        await page.GetByTestId("delete-all").ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Delete all", Exact = true }).ClickAsync();

        await Expect(page.GetByTestId("conversation-item")).ToHaveCountAsync(0);
        await Expect(page.GetByText("No conversations yet.")).ToBeVisibleAsync();
        using var api = App.ApiFor("clean-slate");
        var list = await api.GetFromJsonAsync<JsonElement>("/api/conversations", TestContext.Current.CancellationToken);
        Assert.Equal(0, list.GetProperty("items").GetArrayLength());
    }

    private async Task<string> CreateConversationAsync(string user, string title)
    {
        using var api = App.ApiFor(user);
        var response = await api.PostAsJsonAsync("/api/conversations", new { title }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("id").GetString()!;
    }

    private async Task SendAsync(string user, string conversationId, string content)
    {
        using var api = App.ApiFor(user);
        var response = await api.PostAsJsonAsync($"/api/conversations/{conversationId}/messages", new { content }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
    }
}
