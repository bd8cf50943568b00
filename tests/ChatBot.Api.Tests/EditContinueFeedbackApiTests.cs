using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using ChatBot.TestKit;

namespace ChatBot.Api.Tests;

/// <summary>
/// Continue an answer cut off at the output-token limit, edit the last question, rate answers, and custom instructions, on
/// the real embedded backend: the tiny model answers the alphabet and carries on from whatever letter the prompt ends with.
/// </summary>
public sealed class EditContinueFeedbackApiTests
{
    private const string User = "alice";

    [Fact]
    public async Task AnswerCutOffAtTheTokenLimit_SaysSo_AndContinueExtendsTheSameMessageUntilItEnds()
    {
        // Five tokens per answer: the 27-token alphabet answer is cut off, then continued five letters at a time.
        using var app = new ApiTestApp(settings: new Dictionary<string, string?> { ["Chat:MaxOutputTokens"] = "5" });
        var client = app.ClientFor(User);
        var conversation = await client.CreateConversationAsync();

        var cut = await ModelChoiceApiTests.ReadTurnAsync(await client.SendJsonAsync(conversation.Id, new { content = "hello" }));
        Assert.Equal(("abcde", "length"), (cut.Assistant.Content, cut.Assistant.FinishReason));

        var events = await StreamAsync(client, $"/api/conversations/{conversation.Id}/continue", body: null);
        Assert.Equal(["user", "delta", "done"], events.Select(e => e.Name).Distinct());
        Assert.Equal("fghij", string.Concat(events.Where(e => e.Name == "delta").Select(e => e.Read<DeltaDto>().Text)));
        var continued = events[^1].Read<FeatureMessageDto>();
        Assert.Equal((cut.Assistant.Id, "abcdefghij", "length"), (continued.Id, continued.Content, continued.FinishReason));

        FeatureMessageDto last = continued;
        for (var i = 0; i < 5 && last.FinishReason == "length"; i++)
        {
            var response = await client.PostAsync($"/api/conversations/{conversation.Id}/continue", null);
            last = (await ModelChoiceApiTests.ReadTurnAsync(response)).Assistant;
        }

        Assert.Equal((cut.Assistant.Id, TinyGgufModel.ExpectedChatAnswer, "stop"), (last.Id, last.Content, last.FinishReason));
        var stored = await client.GetFromJsonAsync<FeatureConversationDto>($"/api/conversations/{conversation.Id}", ApiTestApp.Json);
        Assert.Equal(["hello", TinyGgufModel.ExpectedChatAnswer], stored!.Messages!.Select(m => m.Content));
        var nothingLeft = await client.PostAsync($"/api/conversations/{conversation.Id}/continue", null);
        await ConversationsApiTests.AssertProblemAsync(nothingLeft, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Continue_CountsOnlyTheTokensItWrote_AgainstTheDailyBudget()
    {
        using var app = new ApiTestApp(settings: new Dictionary<string, string?> { ["Chat:MaxOutputTokens"] = "5" });
        var client = app.ClientFor(User);
        var conversation = await client.CreateConversationAsync();
        (await client.SendJsonAsync(conversation.Id, new { content = "hello" })).EnsureSuccessStatusCode();
        (await client.PostAsync($"/api/conversations/{conversation.Id}/continue", null)).EnsureSuccessStatusCode();

        // Two turns of five tokens each; the stored answer adds them up, the budget must not count the first part twice.
        var usage = await client.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/me/usage", ApiTestApp.Json);
        var today = Assert.Single(usage.GetProperty("days").EnumerateArray());
        Assert.Equal((2, 10), (today.GetProperty("turns").GetInt64(), today.GetProperty("outputTokens").GetInt64()));
    }

    [Fact]
    public async Task EditTheLastQuestion_ReplacesTheLastTurn_NotAddingOne()
    {
        using var app = new ApiTestApp();
        var client = app.ClientFor(User);
        var conversation = await client.CreateConversationAsync();
        var first = await ModelChoiceApiTests.ReadTurnAsync(await client.SendJsonAsync(conversation.Id, new { content = "first" }));
        var second = await ModelChoiceApiTests.ReadTurnAsync(await client.SendJsonAsync(conversation.Id, new { content = "secnod" }));

        var events = await StreamAsync(client, $"/api/conversations/{conversation.Id}/messages/{second.User.Id}", new { content = "second" }, HttpMethod.Put);
        var editFirst = await client.PutAsJsonAsync($"/api/conversations/{conversation.Id}/messages/{first.User.Id}", new { content = "no" });

        Assert.Equal(("user", "second", second.User.Id), (events[0].Name, events[0].Read<FeatureMessageDto>().Content, events[0].Read<FeatureMessageDto>().Id));
        Assert.Equal("done", events[^1].Name);
        await ConversationsApiTests.AssertProblemAsync(editFirst, HttpStatusCode.Conflict);
        var stored = await client.GetFromJsonAsync<FeatureConversationDto>($"/api/conversations/{conversation.Id}", ApiTestApp.Json);
        Assert.Equal(
            ["first", TinyGgufModel.ExpectedChatAnswer, "second", TinyGgufModel.ExpectedChatAnswer],
            stored!.Messages!.Select(m => m.Content));
        Assert.Equal([first.User.Id, first.Assistant.Id, second.User.Id, events[^1].Read<FeatureMessageDto>().Id], stored.Messages!.Select(m => m.Id));
    }

    [Fact]
    public async Task Feedback_IsStoredWithTheAnswer_Changeable_Clearable_AndShownWithTheConversation()
    {
        using var app = new ApiTestApp();
        var client = app.ClientFor(User);
        var conversation = await client.CreateConversationAsync();
        var turn = await ModelChoiceApiTests.ReadTurnAsync(await client.SendJsonAsync(conversation.Id, new { content = "hi" }));
        var url = $"/api/conversations/{conversation.Id}/messages/{turn.Assistant.Id}/feedback";

        var down = await Read(await client.PutAsJsonAsync(url, new { rating = "down", comment = "It only knows the alphabet." }));
        var up = await Read(await client.PutAsJsonAsync(url, new { rating = "up" }));
        var shown = await client.GetFromJsonAsync<FeatureConversationDto>($"/api/conversations/{conversation.Id}", ApiTestApp.Json);
        var cleared = await Read(await client.DeleteAsync(url));

        Assert.Equal(("down", "It only knows the alphabet."), (down.Feedback!.Rating, down.Feedback.Comment));
        Assert.Equal(("up", null), (up.Feedback!.Rating, up.Feedback.Comment));
        Assert.Equal("up", shown!.Messages![1].Feedback!.Rating);
        Assert.Null(cleared.Feedback);
        Assert.Null((await client.GetFromJsonAsync<FeatureConversationDto>($"/api/conversations/{conversation.Id}", ApiTestApp.Json))!.Messages![1].Feedback);
    }

    [Fact]
    public async Task Feedback_WithBadInput_Is400_OnAQuestionOrAnotherUsersAnswer_Is404_AndNothingChanges()
    {
        using var app = new ApiTestApp();
        var client = app.ClientFor(User);
        var conversation = await client.CreateConversationAsync();
        var turn = await ModelChoiceApiTests.ReadTurnAsync(await client.SendJsonAsync(conversation.Id, new { content = "hi" }));
        var url = $"/api/conversations/{conversation.Id}/messages/{turn.Assistant.Id}/feedback";

        foreach (var body in new object[] { new { rating = "meh" }, new { rating = 1 }, new { comment = "no rating" }, new { rating = "up", comment = new string('x', 2001) } })
        {
            await ConversationsApiTests.AssertProblemAsync(await client.PutAsJsonAsync(url, body), HttpStatusCode.BadRequest);
        }

        await ConversationsApiTests.AssertProblemAsync(
            await client.PutAsJsonAsync($"/api/conversations/{conversation.Id}/messages/not-an-id/feedback", new { rating = "up" }), HttpStatusCode.BadRequest);
        await ConversationsApiTests.AssertProblemAsync(
            await client.PutAsJsonAsync($"/api/conversations/{conversation.Id}/messages/{turn.User.Id}/feedback", new { rating = "up" }), HttpStatusCode.NotFound);
        await ConversationsApiTests.AssertProblemAsync(
            await app.ClientFor("mallory").PutAsJsonAsync(url, new { rating = "down" }), HttpStatusCode.NotFound);
        var stored = await client.GetFromJsonAsync<FeatureConversationDto>($"/api/conversations/{conversation.Id}", ApiTestApp.Json);
        Assert.All(stored!.Messages!, m => Assert.Null(m.Feedback));
    }

    [Fact]
    public async Task Instructions_ReplaceTheSystemPrompt_PerConversation_AndTheUsersDefaultGoesToNewConversations()
    {
        var model = new ScriptedChatClient("ok");
        using var app = new ApiTestApp(model, new Dictionary<string, string?> { ["Chat:SystemPrompt"] = "The default prompt." });
        var client = app.ClientFor(User);

        var saved = await client.PutAsJsonAsync("/api/me/settings", new { instructions = "Call me Sam." });
        var settings = await client.GetFromJsonAsync<SettingsDto>("/api/me/settings", ApiTestApp.Json);
        var withDefault = await Create(client, new { });
        var withOwn = await Create(client, new { instructions = "Answer in French." });
        var patched = await client.PatchAsJsonAsync($"/api/conversations/{withDefault.Id}", new { instructions = "" });
        await client.SendJsonAsync(withDefault.Id, new { content = "one" });
        await client.SendJsonAsync(withOwn.Id, new { content = "two" });
        var otherUser = await app.ClientFor("bob").GetFromJsonAsync<SettingsDto>("/api/me/settings", ApiTestApp.Json);

        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.Equal("Call me Sam.", settings!.Instructions);
        Assert.Equal("Call me Sam.", withDefault.Instructions);
        Assert.Equal("Answer in French.", withOwn.Instructions);
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal("The default prompt.", model.Prompts[0][0].Text);
        Assert.Equal("Answer in French.", model.Prompts[1][0].Text);
        Assert.Null(otherUser!.Instructions);
    }

    [Fact]
    public async Task Instructions_LongerThan4KiB_OrAnEmptyPatch_Are400_AndNothingIsStored()
    {
        using var app = new ApiTestApp(new ScriptedChatClient("ok"));
        var client = app.ClientFor(User);
        var conversation = await client.CreateConversationAsync("Kept");
        var tooLong = new string('é', 2049);

        await ConversationsApiTests.AssertProblemAsync(await client.PutAsJsonAsync("/api/me/settings", new { instructions = tooLong }), HttpStatusCode.BadRequest);
        await ConversationsApiTests.AssertProblemAsync(await client.PostAsJsonAsync("/api/conversations", new { instructions = tooLong }), HttpStatusCode.BadRequest);
        await ConversationsApiTests.AssertProblemAsync(await client.PatchAsJsonAsync($"/api/conversations/{conversation.Id}", new { instructions = tooLong }), HttpStatusCode.BadRequest);
        await ConversationsApiTests.AssertProblemAsync(await client.PatchAsJsonAsync($"/api/conversations/{conversation.Id}", new { }), HttpStatusCode.BadRequest);
        await ConversationsApiTests.AssertProblemAsync(await client.PutAsJsonAsync("/api/me/settings", new[] { 1 }), HttpStatusCode.BadRequest);

        Assert.Null((await client.GetFromJsonAsync<SettingsDto>("/api/me/settings", ApiTestApp.Json))!.Instructions);
        var list = await client.GetFromJsonAsync<ConversationListDto>("/api/conversations", ApiTestApp.Json);
        Assert.Equal([conversation.Id], list!.Items.Select(c => c.Id));
        var stored = await client.GetFromJsonAsync<FeatureConversationDto>($"/api/conversations/{conversation.Id}", ApiTestApp.Json);
        Assert.Equal(("Kept", null), (stored!.Title, stored.Instructions));
        var fits = await client.PatchAsJsonAsync($"/api/conversations/{conversation.Id}", new { instructions = new string('é', 2048) });
        Assert.Equal(HttpStatusCode.OK, fits.StatusCode);
    }

    private static async Task<FeatureConversationDto> Create(HttpClient client, object body)
    {
        var response = await client.PostAsJsonAsync("/api/conversations", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<FeatureConversationDto>(ApiTestApp.Json))!;
    }

    private static async Task<FeatureMessageDto> Read(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<FeatureMessageDto>(ApiTestApp.Json))!;
    }

    private static async Task<List<ServerSentEvent>> StreamAsync(HttpClient client, string url, object? body, HttpMethod? method = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Post, url) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = new List<ServerSentEvent>();
        await foreach (var item in ServerSentEvents.ReadAsync(await response.Content.ReadAsStreamAsync()))
        {
            events.Add(item);
        }

        return events;
    }
}

public sealed record SettingsDto(string? Instructions);

