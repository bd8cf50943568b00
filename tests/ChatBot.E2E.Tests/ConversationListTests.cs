using System.Net.Http.Json;
using System.Text.Json;

namespace ChatBot.E2E.Tests;

/// <summary>Renaming and deleting conversations from the sidebar, checked against what the server then has.</summary>
public sealed class ConversationListTests(E2EFixture fixture) : BrowserTest(fixture)
{
    [Fact]
    public async Task Rename_ChangesTheTitle_AndTheServerKeepsIt()
    {
        var id = await CreateConversationAsync("renamer", "Trip notes");
        var page = await OpenAsync("renamer", $"#/c/{id}");
        await Expect(page.GetByTestId("conversation-title")).ToHaveTextAsync("Trip notes");

        await page.GetByRole(AriaRole.Button, new() { Name = "Rename Trip notes" }).ClickAsync();
        var input = page.GetByRole(AriaRole.Textbox, new() { Name = "Conversation title" });
        await input.FillAsync("Trip to Lisbon");
        await input.PressAsync("Enter");

        await Expect(page.GetByTestId("conversation-item")).ToHaveTextAsync("Trip to Lisbon");
        await Expect(page.GetByTestId("conversation-title")).ToHaveTextAsync("Trip to Lisbon");
        await page.ReloadAsync();
        await Expect(page.GetByTestId("conversation-item")).ToHaveTextAsync("Trip to Lisbon");
        Assert.Equal(["Trip to Lisbon"], await TitlesAsync("renamer"));
    }

    [Fact]
    public async Task Rename_WithControlBidiAndInvisibleCharacters_ShowsOneCleanLine()
    {
        var id = await CreateConversationAsync("cleaner", "Plain");
        var page = await OpenAsync("cleaner", $"#/c/{id}");

        await page.GetByRole(AriaRole.Button, new() { Name = "Rename Plain" }).ClickAsync();
        var input = page.GetByRole(AriaRole.Textbox, new() { Name = "Conversation title" });
        await input.FillAsync("\u202Egnp.exe\u200B \u0007report");
        await input.PressAsync("Enter");

        await Expect(page.GetByTestId("conversation-item")).ToHaveTextAsync("gnp.exe report");
        await page.ReloadAsync();
        await Expect(page.GetByTestId("conversation-title")).ToHaveTextAsync("gnp.exe report");
        Assert.Equal(["gnp.exe report"], await TitlesAsync("cleaner"));
    }

    [Fact]
    public async Task Rename_Escape_KeepsTheOldTitle()
    {
        await CreateConversationAsync("hesitant-renamer", "Keep me");
        var page = await OpenAsync("hesitant-renamer");

        await page.GetByRole(AriaRole.Button, new() { Name = "Rename Keep me" }).ClickAsync();
        var input = page.GetByRole(AriaRole.Textbox, new() { Name = "Conversation title" });
        await input.FillAsync("Something else");
        await input.PressAsync("Escape");

        await Expect(page.GetByTestId("conversation-item")).ToHaveTextAsync("Keep me");
        Assert.Equal(["Keep me"], await TitlesAsync("hesitant-renamer"));
    }

    [Fact]
    public async Task Delete_AsksForConfirmation_ThenRemovesTheConversation()
    {
        await CreateConversationAsync("deleter", "Keep this one");
        await CreateConversationAsync("deleter", "Old drafts");
        var page = await OpenAsync("deleter");
        var items = page.GetByTestId("conversation-item");
        await Expect(items).ToHaveCountAsync(2);

        // Cancel first: nothing is deleted.
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete Old drafts" }).ClickAsync();
        var dialog = page.GetByTestId("confirm-dialog");
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(dialog).ToContainTextAsync("Old drafts");
        await dialog.GetByTestId("confirm-cancel").ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(items).ToHaveCountAsync(2);

        await page.GetByRole(AriaRole.Button, new() { Name = "Delete Old drafts" }).ClickAsync();
        await dialog.GetByTestId("confirm-delete").ClickAsync();

        await Expect(items).ToHaveCountAsync(1);
        await Expect(items).ToHaveTextAsync("Keep this one");
        await page.ReloadAsync();
        await Expect(items).ToHaveTextAsync("Keep this one");
        Assert.Equal(["Keep this one"], await TitlesAsync("deleter"));
    }

    [Fact]
    public async Task List_ShowsTheNewestFirst_AndLoadsOlderPagesOnRequest()
    {
        for (var i = 1; i <= 35; i++)
        {
            await CreateConversationAsync("pager", $"Conversation {i}");
        }

        var page = await OpenAsync("pager");
        var items = page.GetByTestId("conversation-item");

        // One page of 30, newest first, then the five oldest after "Load more".
        await Expect(items).ToHaveCountAsync(30);
        await Expect(items.First).ToHaveTextAsync("Conversation 35");
        await Expect(items.Last).ToHaveTextAsync("Conversation 6");
        await page.GetByRole(AriaRole.Button, new() { Name = "Load more" }).ClickAsync();
        await Expect(items).ToHaveCountAsync(35);
        await Expect(items.Last).ToHaveTextAsync("Conversation 1");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Load more" })).ToHaveCountAsync(0);

        // A new chat goes to the top.
        await page.GetByLabel("Message", new() { Exact = true }).FillAsync("The newest of all");
        await page.GetByLabel("Message", new() { Exact = true }).PressAsync("Enter");
        await Expect(page.GetByTestId("assistant-message")).ToHaveAttributeAsync("data-status", "complete");
        await Expect(items.First).ToHaveTextAsync("The newest of all");
    }

    private async Task<string> CreateConversationAsync(string user, string title)
    {
        using var api = App.ApiFor(user);
        var response = await api.PostAsJsonAsync("/api/conversations", new { title }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        var created = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        return created.GetProperty("id").GetString()!;
    }

    private async Task<string?[]> TitlesAsync(string user)
    {
        using var api = App.ApiFor(user);
        var list = await api.GetFromJsonAsync<JsonElement>("/api/conversations", TestContext.Current.CancellationToken);
        return [.. list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("title").GetString())];
    }
}
