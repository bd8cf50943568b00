using System.Net.Http.Json;
using System.Text.Json;
using ChatBot.TestKit;

namespace ChatBot.E2E.Tests;

/// <summary>Sending, streaming, stopping and finding a conversation again, as a user does it.</summary>
public sealed class ChatTests(E2EFixture fixture) : BrowserTest(fixture)
{
    [Fact]
    public async Task SendMessage_StreamsTheRealModelsAnswer_AndMarksItComplete()
    {
        var page = await OpenAsync("sender");

        await page.GetByLabel("Message", new() { Exact = true }).FillAsync("Hello there");
        await page.GetByLabel("Message", new() { Exact = true }).PressAsync("Enter");

        await Expect(page.GetByTestId("user-message")).ToHaveTextAsync("Hello there");
        var answer = page.GetByTestId("assistant-message");
        await Expect(answer).ToHaveAttributeAsync("data-status", "complete");
        await Expect(answer).ToHaveTextAsync(TinyGgufModel.ExpectedChatAnswer);
        await Expect(page.GetByTestId("announcer")).ToHaveTextAsync("Answer complete.");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("#/c/[^/]+$"));
        await Expect(page.GetByTestId("conversation-item")).ToHaveTextAsync("Hello there");
    }

    [Fact]
    public async Task Stop_KeepsThePartialAnswerAsStopped_AlsoAfterReload()
    {
        var model = new ScriptedChatClient("The first part of a long answer", " that never arrives") { PieceDelay = ScriptedModels.Pace, StallAfterFirstPiece = true };
        App.Models.Set("stopper", model);
        var page = await OpenAsync("stopper");

        await page.GetByLabel("Message", new() { Exact = true }).FillAsync("Tell me everything");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        var answer = page.GetByTestId("assistant-message");
        await Expect(answer).ToHaveAttributeAsync("data-status", "streaming");
        await Expect(answer).ToContainTextAsync("The first part of a long answer");
        await page.GetByRole(AriaRole.Button, new() { Name = "Stop" }).ClickAsync();

        await Expect(answer).ToHaveAttributeAsync("data-status", "stopped");
        await Expect(answer.GetByTestId("message-flag")).ToHaveTextAsync("Stopped");
        await model.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
        await WaitUntilStoredAsync("stopper", "stopped");

        await page.ReloadAsync();
        await Expect(answer).ToHaveAttributeAsync("data-status", "stopped");
        await Expect(answer).ToContainTextAsync("The first part of a long answer");
        await Expect(answer).Not.ToContainTextAsync("never arrives");
        await Expect(answer.GetByTestId("message-flag")).ToHaveTextAsync("Stopped");
    }

    [Fact]
    public async Task Reload_FindsTheConversationInTheHistory()
    {
        var page = await OpenAsync("historian");
        await page.GetByLabel("Message", new() { Exact = true }).FillAsync("Remember the lighthouse");
        await page.GetByLabel("Message", new() { Exact = true }).PressAsync("Enter");
        await Expect(page.GetByTestId("assistant-message")).ToHaveAttributeAsync("data-status", "complete");

        // After a reload the conversation is still open with both messages, and it is in the list.
        await page.ReloadAsync();
        await Expect(page.GetByTestId("conversation-title")).ToHaveTextAsync("Remember the lighthouse");
        await Expect(page.GetByTestId("user-message")).ToHaveTextAsync("Remember the lighthouse");
        await Expect(page.GetByTestId("assistant-message")).ToHaveTextAsync(TinyGgufModel.ExpectedChatAnswer);
        await Expect(page.GetByTestId("assistant-message")).ToHaveAttributeAsync("data-status", "complete");

        // From a new chat, the list opens it again.
        await page.GetByTestId("new-chat").ClickAsync();
        await Expect(page.GetByTestId("user-message")).ToHaveCountAsync(0);
        var item = page.GetByTestId("conversation-item");
        await Expect(item).ToHaveTextAsync("Remember the lighthouse");
        await item.GetByRole(AriaRole.Link).ClickAsync();
        await Expect(item.GetByRole(AriaRole.Link)).ToHaveAttributeAsync("aria-current", "page");
        await Expect(page.GetByTestId("user-message")).ToHaveTextAsync("Remember the lighthouse");
        await Expect(page.GetByTestId("assistant-message")).ToHaveTextAsync(TinyGgufModel.ExpectedChatAnswer);
    }

    /// <summary>The server stores a stopped answer when it sees the request end; a reload before that would race it.</summary>
    private async Task WaitUntilStoredAsync(string user, string status)
    {
        using var api = App.ApiFor(user);
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var list = await api.GetFromJsonAsync<JsonElement>("/api/conversations", TestContext.Current.CancellationToken);
            var id = list.GetProperty("items")[0].GetProperty("id").GetString();
            var conversation = await api.GetFromJsonAsync<JsonElement>($"/api/conversations/{id}", TestContext.Current.CancellationToken);
            var messages = conversation.GetProperty("messages").EnumerateArray().ToList();
            if (messages.Count == 2 && messages[1].GetProperty("status").GetString() == status)
            {
                return;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Fail($"The server never stored the answer as '{status}'.");
    }
}
