using System.Net;
using System.Net.Http.Json;
using System.Text;
using ChatBot.Core;

namespace ChatBot.Api.Tests;

public sealed class MessagesApiTests
{
    private const string User = "alice";

    [Fact]
    public async Task Send_WithEventStream_StreamsUserThenDeltasThenDoneWithUsage()
    {
        using var app = new ApiTestApp(new ScriptedChatClient("Hel", "lo", " there"));
        var client = app.ClientFor(User);
        var conversation = await client.CreateConversationAsync();

        var events = await client.SendStreamingAsync(conversation.Id, new { content = "Hi" });

        Assert.Equal(["user", "delta", "delta", "delta", "done"], events.Select(e => e.Name));
        Assert.Equal("Hi", events[0].Read<MessageDto>().Content);
        Assert.Equal("Hello there", string.Concat(events.Where(e => e.Name == "delta").Select(e => e.Read<DeltaDto>().Text)));
        var done = events[^1].Read<MessageDto>();
        Assert.Equal(("assistant", "Hello there", "complete"), (done.Role, done.Content, done.Status));
        Assert.Equal(new UsageDto(3, 3), done.Usage);
        var stored = await client.GetConversationAsync(conversation.Id);
        Assert.Equal(["Hi", "Hello there"], stored.Messages!.Select(m => m.Content));
    }

    [Fact]
    public async Task Send_WithJson_ReturnsTheWholeTurn()
    {
        using var app = new ApiTestApp(new ScriptedChatClient("4"));
        var client = app.ClientFor(User);
        var conversation = await client.CreateConversationAsync();

        var response = await client.SendJsonAsync(conversation.Id, new { content = "2+2?" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var turn = await response.Content.ReadFromJsonAsync<TurnDto>(ApiTestApp.Json);
        Assert.Equal(("user", "2+2?"), (turn!.User.Role, turn.User.Content));
        Assert.Equal(("assistant", "4", "complete"), (turn.Assistant.Role, turn.Assistant.Content, turn.Assistant.Status));
    }

    [Fact]
    public async Task Send_FirstMessage_BecomesTheTitle()
    {
        using var app = new ApiTestApp(new ScriptedChatClient("ok"));
        var client = app.ClientFor(User);
        var conversation = await client.CreateConversationAsync();

        await client.SendJsonAsync(conversation.Id, new { content = "Best hikes near Lisbon?" });

        Assert.Equal("Best hikes near Lisbon?", (await client.GetConversationAsync(conversation.Id)).Title);
    }

    [Fact]
    public async Task Send_RepeatedClientMessageId_StoresOnceAndDoesNotCallTheModelAgain()
    {
        var model = new ScriptedChatClient("once");
        using var app = new ApiTestApp(model);
        var client = app.ClientFor(User);
        var conversation = await client.CreateConversationAsync();

        var first = await (await client.SendJsonAsync(conversation.Id, new { content = "Hi", clientMessageId = "c-1" })).Content.ReadFromJsonAsync<TurnDto>(ApiTestApp.Json);
        var again = await (await client.SendJsonAsync(conversation.Id, new { content = "Hi", clientMessageId = "c-1" })).Content.ReadFromJsonAsync<TurnDto>(ApiTestApp.Json);
        var streamed = await client.SendStreamingAsync(conversation.Id, new { content = "Hi", clientMessageId = "c-1" });

        Assert.Equal(first, again);
        Assert.Equal(first!.Assistant.Id, streamed[^1].Read<MessageDto>().Id);
        Assert.Equal(1, model.Calls);
        Assert.Equal(2, (await client.GetConversationAsync(conversation.Id)).Messages!.Count);
    }

    [Theory]
    [InlineData("{\"content\": \"\"}")]
    [InlineData("{\"content\": \"  \\n\\t \"}")]
    [InlineData("{}")]
    [InlineData("{\"content\": 12}")]
    [InlineData("{\"content\": [\"a\"]}")]
    [InlineData("{\"content\": \"hi\"")]
    [InlineData("not json")]
    [InlineData("{\"content\": \"hi\", \"clientMessageId\": \"has spaces\"}")]
    [InlineData("{\"content\": \"hi\", \"clientMessageId\": 7}")]
    public async Task Send_WithBadInput_Is400AndStoresNothing(string body)
    {
        var model = new ScriptedChatClient("never");
        using var app = new ApiTestApp(model);
        var client = app.ClientFor(User);
        var conversation = await client.CreateConversationAsync();

        var response = await client.PostAsync($"/api/conversations/{conversation.Id}/messages", new StringContent(body, Encoding.UTF8, "application/json"));

        await ConversationsApiTests.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Empty((await client.GetConversationAsync(conversation.Id)).Messages!);
        Assert.Equal(0, model.Calls);
    }

    [Fact]
    public async Task Send_OverTheSizeLimit_Is400_AndAtTheLimitIsAccepted()
    {
        using var app = new ApiTestApp(new ScriptedChatClient("ok"));
        var client = app.ClientFor(User);
        var conversation = await client.CreateConversationAsync();
        // "é" is two bytes of UTF-8: the limit counts bytes, not characters.
        var atLimit = new string('é', 8 * 1024);

        var tooLong = await client.SendJsonAsync(conversation.Id, new { content = atLimit + "x" });
        var fits = await client.SendJsonAsync(conversation.Id, new { content = atLimit });

        var problem = await ConversationsApiTests.AssertProblemAsync(tooLong, HttpStatusCode.BadRequest);
        Assert.Contains("16384", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, fits.StatusCode);
    }

    [Fact]
    public async Task Send_WhenClientDisconnectsMidAnswer_KeepsThePartialAnswerAsStopped()
    {
        var model = new ScriptedChatClient("Once upon", " a time") { StallAfterFirstPiece = true };
        using var app = new ApiTestApp(model);
        var client = app.ClientFor(User);
        var conversation = await client.CreateConversationAsync();

        using (var disconnect = new CancellationTokenSource())
        {
            var response = await client.SendAsync(
                ApiClientExtensions.StreamingRequest(conversation.Id, new { content = "Tell me a story" }), HttpCompletionOption.ResponseHeadersRead, disconnect.Token);
            await model.FirstPieceSent.Task.WaitAsync(TimeSpan.FromSeconds(10));
            await disconnect.CancelAsync();
            response.Dispose();
        }

        await model.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var answer = await WaitForAnswerAsync(client, conversation.Id);
        Assert.Equal(("Once upon", "stopped"), (answer.Content, answer.Status));
    }

    [Fact]
    public async Task Send_WhenModelFailsMidStream_EmitsErrorAndKeepsThePartialAsFailed()
    {
        var model = new ScriptedChatClient("Half", " an answer") { Failure = new ModelException(ModelErrorKind.Unavailable, "The model went away.", TimeSpan.FromSeconds(7)), FailAfter = 1 };
        using var app = new ApiTestApp(model);
        var client = app.ClientFor(User);
        var conversation = await client.CreateConversationAsync();

        var events = await client.SendStreamingAsync(conversation.Id, new { content = "Hi" });

        Assert.Equal(["user", "delta", "error"], events.Select(e => e.Name));
        var problem = events[^1].Read<ProblemDto>();
        Assert.Equal((503, "The model did not answer. Try again shortly.", 7), (problem.Status, problem.Detail, problem.RetryAfter));
        Assert.Equal(("Half", "failed"), (problem.Assistant!.Content, problem.Assistant.Status));
        var stored = (await client.GetConversationAsync(conversation.Id)).Messages!;
        Assert.Equal([("Hi", "complete"), ("Half", "failed")], stored.Select(m => (m.Content, m.Status)));
    }

    [Theory]
    [InlineData(ModelErrorKind.Throttled, HttpStatusCode.TooManyRequests, true)]
    [InlineData(ModelErrorKind.Unavailable, HttpStatusCode.ServiceUnavailable, true)]
    [InlineData(ModelErrorKind.AccessDenied, HttpStatusCode.ServiceUnavailable, false)]
    [InlineData(ModelErrorKind.InvalidRequest, HttpStatusCode.UnprocessableEntity, false)]
    [InlineData(ModelErrorKind.Failed, HttpStatusCode.BadGateway, false)]
    public async Task Send_WithJson_WhenTheModelRefuses_MapsToStatusAndRetryAfter(ModelErrorKind kind, HttpStatusCode status, bool retryAfter)
    {
        var model = new ScriptedChatClient() { Failure = new ModelException(kind, $"model says {kind}", retryAfter ? TimeSpan.FromSeconds(3) : null) };
        using var app = new ApiTestApp(model);
        var client = app.ClientFor(User);
        var conversation = await client.CreateConversationAsync();

        var response = await client.SendJsonAsync(conversation.Id, new { content = "Hi" });

        var problem = await ConversationsApiTests.AssertProblemAsync(response, status);
        // The backend's own words stay in the log; the user gets advice and the trace id to quote.
        Assert.DoesNotContain("model says", problem.Detail, StringComparison.Ordinal);
        Assert.True(problem.Extensions.ContainsKey("traceId"));
        Assert.Equal(retryAfter ? "3" : null, response.Headers.RetryAfter?.ToString());
    }

    [Fact]
    public async Task Conversations_SurviveARestart()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("chatbot-restart-").FullName;
        string id;
        using (var before = new ApiTestApp(new ScriptedChatClient("kept"), dataDirectory: dataDirectory))
        {
            var client = before.ClientFor(User);
            id = (await client.CreateConversationAsync("durable")).Id;
            await client.SendJsonAsync(id, new { content = "remember me" });
        }

        using var after = new ApiTestApp(new ScriptedChatClient(), dataDirectory: dataDirectory);
        var restored = await after.ClientFor(User).GetConversationAsync(id);

        Assert.Equal("durable", restored.Title);
        Assert.Equal(["remember me", "kept"], restored.Messages!.Select(m => m.Content));
    }

    private static async Task<MessageDto> WaitForAnswerAsync(HttpClient client, string conversationId)
    {
        // The answer is stored just after the model stops; poll briefly instead of guessing a delay.
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var messages = (await client.GetConversationAsync(conversationId)).Messages!;
            if (messages.FirstOrDefault(m => m.Role == "assistant") is { } answer)
            {
                return answer;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("The partial answer was never stored.");
    }
}

public sealed record DeltaDto(string Text);

public sealed record ProblemDto(int Status, string Title, string Detail, int? RetryAfter, MessageDto? Assistant);
