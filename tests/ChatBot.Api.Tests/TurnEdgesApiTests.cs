using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using ChatBot.Core;

namespace ChatBot.Api.Tests;

/// <summary>
/// Where a turn meets its limits: a message the model cannot fit, a second message while an answer is written, a delete
/// during an answer, and regenerate. The tests on one instance run on SQLite; the ones across instances are with the
/// DynamoDB tests (<see cref="AwsAdaptersApiTests"/>).
/// </summary>
public sealed class TurnEdgesApiTests
{
    private const string User = "alice";

    [Fact]
    public async Task Send_ThatCannotFitTheEmbeddedModel_Is422WithTokenNumbers_AndStoresNothing()
    {
        // The real LLamaSharp backend with a 512-token window: 4,000 bytes of text are far more tokens than fit.
        using var app = new ApiTestApp();
        var client = app.ClientFor(User);
        var conversation = await client.CreateConversationAsync();
        var tooLong = string.Join(' ', Enumerable.Repeat("antidisestablishmentarianism", 140));

        var json = await client.SendJsonAsync(conversation.Id, new { content = tooLong });
        using var streaming = await client.SendAsync(ApiClientExtensions.StreamingRequest(conversation.Id, new { content = tooLong }));

        var problem = await ConversationsApiTests.AssertProblemAsync(json, HttpStatusCode.UnprocessableEntity);
        Assert.Matches(@"need \d+ tokens, but only \d+ fit", problem.Detail);
        Assert.True(problem.Extensions.ContainsKey("neededTokens") && problem.Extensions.ContainsKey("availableTokens"));
        await ConversationsApiTests.AssertProblemAsync(streaming, HttpStatusCode.UnprocessableEntity);
        var stored = await client.GetConversationAsync(conversation.Id);
        Assert.Empty(stored.Messages!);
        Assert.Null(stored.Title);
    }

    [Fact]
    public async Task Send_ThatTheProviderRefusesAsTooLong_KeepsTheQuestion_AndTheFailedAnswerSaysWhy()
    {
        var model = new ScriptedChatClient { Failure = new ModelException(ModelErrorKind.InvalidRequest, "Input is too long for requested model: 9000 tokens, limit 8192.") };
        using var app = new ApiTestApp(model);
        var client = app.ClientFor(User);
        var conversation = await client.CreateConversationAsync();

        var events = await client.SendStreamingAsync(conversation.Id, new { content = "a very long question" });

        var problem = events[^1].Read<ProblemDto>();
        Assert.Equal(("error", 422), (events[^1].Name, problem.Status));
        // The provider's own text stays in the log; the person is told what happened and what to do.
        Assert.Contains("too long", problem.Detail, StringComparison.Ordinal);
        Assert.Equal("failed", problem.Assistant!.Status);
        var stored = (await client.GetConversationAsync(conversation.Id)).Messages!;
        Assert.Equal([("a very long question", "complete"), ("", "failed")], stored.Select(m => (m.Content, m.Status)));
    }

    [Fact]
    public async Task Send_WhileAnAnswerIsBeingWritten_Is409_AndTheConversationKeepsOneTurnAtATime()
    {
        var hold = new TaskCompletionSource();
        var model = new ScriptedChatClient("Once upon", " a time") { HoldAfterFirstPiece = hold };
        using var app = new ApiTestApp(model);
        var client = app.ClientFor(User);
        var conversation = await client.CreateConversationAsync();
        var first = client.SendStreamingAsync(conversation.Id, new { content = "first", clientMessageId = "m-1" });
        await model.FirstPieceSent.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var second = await client.SendJsonAsync(conversation.Id, new { content = "second" });
        var regenerate = await client.PostAsync($"/api/conversations/{conversation.Id}/regenerate", null);
        var resend = await client.SendJsonAsync(conversation.Id, new { content = "first", clientMessageId = "m-1" });

        var problem = await ConversationsApiTests.AssertProblemAsync(second, HttpStatusCode.Conflict);
        Assert.Contains("still being written", problem.Detail, StringComparison.Ordinal);
        await ConversationsApiTests.AssertProblemAsync(regenerate, HttpStatusCode.Conflict);
        await ConversationsApiTests.AssertProblemAsync(resend, HttpStatusCode.Conflict);

        hold.SetResult();
        Assert.Equal("done", (await first)[^1].Name);
        var third = await client.SendJsonAsync(conversation.Id, new { content = "third" });
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        var stored = (await client.GetConversationAsync(conversation.Id)).Messages!;
        Assert.Equal(["user", "assistant", "user", "assistant"], stored.Select(m => m.Role));
    }

    [Fact]
    public async Task Delete_WhileAnAnswerStreams_EndsTheStreamWithA404Error_AndKeepsNothing()
    {
        var hold = new TaskCompletionSource();
        var model = new ScriptedChatClient("Once upon", " a time") { HoldAfterFirstPiece = hold };
        using var app = new ApiTestApp(model);
        var client = app.ClientFor(User);
        var conversation = await client.CreateConversationAsync();
        var streaming = client.SendStreamingAsync(conversation.Id, new { content = "Tell me a story" });
        await model.FirstPieceSent.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/conversations/{conversation.Id}")).StatusCode);
        hold.SetResult();
        var events = await streaming;

        Assert.Equal(["user", "delta", "delta", "error"], events.Select(e => e.Name));
        Assert.Equal(404, events[^1].Read<ProblemDto>().Status);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/conversations/{conversation.Id}")).StatusCode);
        Assert.Empty((await client.GetFromJsonAsync<ConversationListDto>("/api/conversations", ApiTestApp.Json))!.Items);
    }

    [Fact]
    public async Task Regenerate_ReplacesTheLastAnswer_StreamedLikeASend_KeepingOneCopyOfTheQuestion()
    {
        var model = new ScriptedChatClient("An", " answer");
        using var app = new ApiTestApp(model);
        var client = app.ClientFor(User);
        var conversation = await client.CreateConversationAsync();
        await client.SendJsonAsync(conversation.Id, new { content = "first" });
        var before = (await client.GetConversationAsync(conversation.Id)).Messages!;

        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/conversations/{conversation.Id}/regenerate");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await client.SendAsync(request);
        var events = new List<ServerSentEvent>();
        await foreach (var item in ServerSentEvents.ReadAsync(await response.Content.ReadAsStreamAsync()))
        {
            events.Add(item);
        }

        Assert.Equal(["user", "delta", "delta", "done"], events.Select(e => e.Name));
        Assert.Equal(before[0].Id, events[0].Read<MessageDto>().Id);
        var after = (await client.GetConversationAsync(conversation.Id)).Messages!;
        Assert.Equal(2, after.Count);
        Assert.Equal(before[0], after[0]);
        Assert.NotEqual(before[1].Id, after[1].Id);
        Assert.Equal(events[^1].Read<MessageDto>().Id, after[1].Id);

        // The replaced answer is not in the model's context: the prompt ends with the question alone.
        Assert.Equal("first", model.Prompts[^1][^1].Text);
        Assert.DoesNotContain(model.Prompts[^1], m => m.Role == Microsoft.Extensions.AI.ChatRole.Assistant);

        var json = await client.PostAsync($"/api/conversations/{conversation.Id}/regenerate", null);
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        Assert.Equal(2, (await client.GetConversationAsync(conversation.Id)).Messages!.Count);
    }

    [Fact]
    public async Task Regenerate_WithNothingToAnswer_Is409_AndOnAMissingConversation_Is404()
    {
        using var app = new ApiTestApp(new ScriptedChatClient("x"));
        var client = app.ClientFor(User);
        var empty = await client.CreateConversationAsync();

        await ConversationsApiTests.AssertProblemAsync(await client.PostAsync($"/api/conversations/{empty.Id}/regenerate", null), HttpStatusCode.Conflict);
        await ConversationsApiTests.AssertProblemAsync(
            await client.PostAsync($"/api/conversations/{Ids.New(DateTimeOffset.UtcNow)}/regenerate", null), HttpStatusCode.NotFound);
    }
}
