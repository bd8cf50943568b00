using System.Net.Http.Json;

namespace ChatBot.Api.Tests;

/// <summary>The <c>done</c> event carries the conversation's summary, so a client never recomputes the title.</summary>
public sealed class DoneEventApiTests
{
    private const string User = "alice";

    [Fact]
    public async Task Done_OnFirstTurn_CarriesTheTitleMadeFromTheFirstMessage()
    {
        using var app = new ApiTestApp(new ScriptedChatClient("ok"));
        var client = app.ClientFor(User);
        var conversation = await client.CreateConversationAsync();

        var events = await client.SendStreamingAsync(conversation.Id, new { content = "Best hikes near Lisbon?\nWith kids" });

        var done = events[^1].Read<DoneDto>();
        Assert.Equal(("assistant", "ok"), (done.Role, done.Content));
        Assert.Equal((conversation.Id, "Best hikes near Lisbon?"), (done.Conversation.Id, done.Conversation.Title));
        var listed = await client.GetFromJsonAsync<ConversationListDto>("/api/conversations", ApiTestApp.Json);
        Assert.Equal(done.Conversation.Title, Assert.Single(listed!.Items).Title);
    }

    [Fact]
    public async Task Done_InANamedConversation_KeepsItsName()
    {
        using var app = new ApiTestApp(new ScriptedChatClient("ok"));
        var client = app.ClientFor(User);
        var conversation = await client.CreateConversationAsync("Trip planning");

        var events = await client.SendStreamingAsync(conversation.Id, new { content = "Best hikes near Lisbon?" });

        Assert.Equal("Trip planning", events[^1].Read<DoneDto>().Conversation.Title);
    }

    [Fact]
    public async Task Done_ForARepeatedClientMessageId_CarriesTheConversationToo()
    {
        using var app = new ApiTestApp(new ScriptedChatClient("ok"));
        var client = app.ClientFor(User);
        var conversation = await client.CreateConversationAsync();
        await client.SendStreamingAsync(conversation.Id, new { content = "Hello there", clientMessageId = "m-1" });

        var again = await client.SendStreamingAsync(conversation.Id, new { content = "Hello there", clientMessageId = "m-1" });

        var done = again[^1].Read<DoneDto>();
        Assert.Equal(("ok", "Hello there"), (done.Content, done.Conversation.Title));
    }
}

public sealed record DoneDto(string Id, string Role, string Content, string Status, ConversationDto Conversation);
