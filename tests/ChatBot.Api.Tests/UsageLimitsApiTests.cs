using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ChatBot.TestKit.LocalServers;
using Microsoft.Extensions.AI;

namespace ChatBot.Api.Tests;

/// <summary>Per-user limits, admins' overrides, usage and fairness, each on SQLite and on DynamoDB (dynalite).</summary>
public sealed class UsageLimitsApiTests(DynaliteFixture dynalite) : IClassFixture<DynaliteFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ApiTestApp CreateApp(string store, IChatClient model, params (string Key, string Value)[] settings)
    {
        var all = new Dictionary<string, string?>
        {
            // The product's defaults, not the roomy ones other tests run with.
            ["Usage:Limits:AnswersAtOnce"] = "2",
            ["Usage:Limits:MessagesPerMinute"] = "10",
            ["Usage:Limits:ConversationsPerDay"] = "100",
            ["Usage:Limits:TokensPerDay"] = "300000",
            ["Usage:Admins:0"] = "boss",
        };
        if (store == "DynamoDb")
        {
            all["Storage:Provider"] = "DynamoDb";
            all["Storage:DynamoDb:TableName"] = "chatbot-" + Guid.NewGuid().ToString("N")[..8];
            all["Storage:DynamoDb:ServiceUrl"] = dynalite.ServiceUrl;
            all["Storage:DynamoDb:CreateTable"] = "true";
        }

        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return new ApiTestApp(model, all);
    }

    private static async Task<JsonElement> AssertLimitAsync(HttpResponseMessage response, string limit)
    {
        await ConversationsApiTests.AssertProblemAsync(response, HttpStatusCode.TooManyRequests);
        var retryAfter = response.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 86_400);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(limit, problem.GetProperty("limit").GetString());
        Assert.True(problem.GetProperty("resetsAt").GetDateTimeOffset() > DateTimeOffset.UtcNow);
        Assert.Equal((int)retryAfter.Value.TotalSeconds, problem.GetProperty("retryAfter").GetInt32());
        return problem;
    }

    /// <summary>Per-minute tests start early in a minute, so the window cannot turn while they run.</summary>
    private static async Task StartOfAMinuteAsync()
    {
        var second = DateTimeOffset.UtcNow.Second;
        if (second > 45)
        {
            await Task.Delay(TimeSpan.FromSeconds(61 - second), Ct);
        }
    }

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("DynamoDb")]
    public async Task MessagesPerMinute_WhenReached_Is429WithRetryAfter_AndStoresNothing(string store)
    {
        using var app = CreateApp(store, new ScriptedChatClient("ok"), ("Usage:Limits:MessagesPerMinute", "2"));
        var alice = app.ClientFor("alice");
        var conversation = await alice.CreateConversationAsync();
        await StartOfAMinuteAsync();
        (await alice.SendJsonAsync(conversation.Id, new { content = "one" })).EnsureSuccessStatusCode();
        (await alice.SendJsonAsync(conversation.Id, new { content = "two" })).EnsureSuccessStatusCode();

        var refused = await alice.SendJsonAsync(conversation.Id, new { content = "three" });
        var streamed = await alice.SendAsync(ApiClientExtensions.StreamingRequest(conversation.Id, new { content = "four" }), Ct);

        var problem = await AssertLimitAsync(refused, "messagesPerMinute");
        Assert.Contains("2 messages per minute", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        await AssertLimitAsync(streamed, "messagesPerMinute");
        Assert.Equal(4, (await alice.GetConversationAsync(conversation.Id)).Messages!.Count);
        // Limits are per user.
        var bob = app.ClientFor("bob");
        (await bob.SendJsonAsync((await bob.CreateConversationAsync()).Id, new { content = "hi" })).EnsureSuccessStatusCode();
    }

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("DynamoDb")]
    public async Task ConversationsPerDay_WhenReached_Is429UntilTomorrow(string store)
    {
        using var app = CreateApp(store, new ScriptedChatClient("ok"), ("Usage:Limits:ConversationsPerDay", "2"));
        var alice = app.ClientFor("alice");
        await alice.CreateConversationAsync();
        await alice.CreateConversationAsync();

        var refused = await alice.PostAsJsonAsync("/api/conversations", new { title = "third" }, Ct);

        var problem = await AssertLimitAsync(refused, "conversationsPerDay");
        Assert.Equal(DateTimeOffset.UtcNow.UtcDateTime.Date.AddDays(1), problem.GetProperty("resetsAt").GetDateTimeOffset().UtcDateTime);
        Assert.Equal(2, (await alice.GetFromJsonAsync<ConversationListDto>("/api/conversations", ApiTestApp.Json, Ct))!.Items.Count);
    }

    [Fact]
    public async Task ARefusal_IsCountedInTheLimitRejectionsMetric_ByLimitName()
    {
        var rejections = new System.Collections.Concurrent.ConcurrentBag<string?>();
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == ChatBot.Api.Telemetry.TelemetryNames.Source && instrument.Name == ChatBot.Api.Telemetry.TelemetryNames.LimitRejections)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
            rejections.Add(tags.ToArray().FirstOrDefault(t => t.Key == ChatBot.Api.Telemetry.TelemetryNames.LimitTag).Value as string));
        listener.Start();
        using var app = CreateApp("Sqlite", new ScriptedChatClient("ok"), ("Usage:Limits:ConversationsPerDay", "0"));

        await AssertLimitAsync(await app.ClientFor("alice").PostAsJsonAsync("/api/conversations", new { }, Ct), "conversationsPerDay");

        Assert.Contains("conversationsPerDay", rejections);
    }

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("DynamoDb")]
    public async Task TokensPerDay_WhenSpent_Is429_AndMyUsageShowsNoneLeft(string store)
    {
        // The scripted model reports 3 input tokens and one output token per piece: 6 tokens a turn.
        using var app = CreateApp(store, new ScriptedChatClient("a", "b", "c"), ("Usage:Limits:TokensPerDay", "10"));
        var alice = app.ClientFor("alice");
        var conversation = await alice.CreateConversationAsync();
        (await alice.SendJsonAsync(conversation.Id, new { content = "one" })).EnsureSuccessStatusCode();
        var usage = await alice.GetFromJsonAsync<JsonElement>("/api/me/usage", Ct);
        Assert.Equal(6, usage.GetProperty("tokensToday").GetInt64());
        Assert.Equal(4, usage.GetProperty("remainingTokensToday").GetInt64());

        // A turn that starts under the budget is answered in full.
        (await alice.SendJsonAsync(conversation.Id, new { content = "two" })).EnsureSuccessStatusCode();
        var refused = await alice.SendJsonAsync(conversation.Id, new { content = "three" });

        await AssertLimitAsync(refused, "tokensPerDay");
        usage = await alice.GetFromJsonAsync<JsonElement>("/api/me/usage", Ct);
        Assert.Equal(0, usage.GetProperty("remainingTokensToday").GetInt64());
        Assert.Equal(10, usage.GetProperty("limits").GetProperty("tokensPerDay").GetInt64());
        var today = Assert.Single(usage.GetProperty("days").EnumerateArray());
        Assert.Equal((2, 6, 6), (today.GetProperty("turns").GetInt64(), today.GetProperty("inputTokens").GetInt64(), today.GetProperty("outputTokens").GetInt64()));
    }

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("DynamoDb")]
    public async Task AnswersAtOnce_WhenReached_Is429_AndTheSlotReturnsWhenTheAnswerEnds(string store)
    {
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var model = new ScriptedChatClient("first", " answer") { HoldAfterFirstPiece = hold };
        using var app = CreateApp(store, model, ("Usage:Limits:AnswersAtOnce", "1"));
        var alice = app.ClientFor("alice");
        var (first, second) = (await alice.CreateConversationAsync(), await alice.CreateConversationAsync());
        var writing = alice.SendJsonAsync(first.Id, new { content = "long one" });
        await model.FirstPieceSent.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        var refused = await alice.SendJsonAsync(second.Id, new { content = "meanwhile" });

        var problem = await AssertLimitAsync(refused, "answersAtOnce");
        Assert.Contains("Wait for one of your answers to finish", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        hold.SetResult();
        (await writing).EnsureSuccessStatusCode();
        (await alice.SendJsonAsync(second.Id, new { content = "now" })).EnsureSuccessStatusCode();
    }

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("DynamoDb")]
    public async Task AnAdmin_RaisesAndResetsOneUsersLimits_WithoutARestart(string store)
    {
        using var app = CreateApp(store, new ScriptedChatClient("ok"), ("Usage:Limits:ConversationsPerDay", "1"));
        var (boss, alice) = (app.ClientFor("boss"), app.ClientFor("alice"));
        await alice.CreateConversationAsync();
        await AssertLimitAsync(await alice.PostAsJsonAsync("/api/conversations", new { }, Ct), "conversationsPerDay");

        var raised = await boss.PutAsJsonAsync("/api/admin/users/alice/limits", new { conversationsPerDay = 3 }, Ct);

        raised.EnsureSuccessStatusCode();
        var view = await raised.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(3, view.GetProperty("effective").GetProperty("conversationsPerDay").GetInt32());
        Assert.Equal(1, view.GetProperty("defaults").GetProperty("conversationsPerDay").GetInt32());
        Assert.Equal(10, view.GetProperty("effective").GetProperty("messagesPerMinute").GetInt32());
        await alice.CreateConversationAsync();
        await alice.CreateConversationAsync();
        await AssertLimitAsync(await alice.PostAsJsonAsync("/api/conversations", new { }, Ct), "conversationsPerDay");
        Assert.Equal(3, (await alice.GetFromJsonAsync<JsonElement>("/api/me/usage", Ct)).GetProperty("limits").GetProperty("conversationsPerDay").GetInt32());

        Assert.Equal(HttpStatusCode.NoContent, (await boss.DeleteAsync("/api/admin/users/alice/limits", Ct)).StatusCode);
        var reset = await boss.GetFromJsonAsync<JsonElement>("/api/admin/users/alice/limits", Ct);
        Assert.Equal(JsonValueKind.Null, reset.GetProperty("override").ValueKind);
        Assert.Equal(1, reset.GetProperty("effective").GetProperty("conversationsPerDay").GetInt32());
    }

    [Fact]
    public async Task AdminLimits_OutOfRange_Is400NamingTheValue()
    {
        using var app = CreateApp("Sqlite", new ScriptedChatClient("ok"));

        var response = await app.ClientFor("boss").PutAsJsonAsync("/api/admin/users/alice/limits", new { answersAtOnce = -1, tokensPerDay = 5 }, Ct);

        var problem = await ConversationsApiTests.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("answersAtOnce must be between 0 and 1000", problem.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "/api/admin/usage")]
    [InlineData("GET", "/api/admin/users/alice/limits")]
    [InlineData("PUT", "/api/admin/users/alice/limits")]
    [InlineData("DELETE", "/api/admin/users/alice/limits")]
    public async Task AdminRoutes_ForAnyoneElse_Are404LikeNoRoute(string method, string path)
    {
        using var app = CreateApp("Sqlite", new ScriptedChatClient("ok"));

        var response = await app.ClientFor("alice").SendAsync(
            new HttpRequestMessage(new HttpMethod(method), path) { Content = JsonContent.Create(new { answersAtOnce = 100 }) }, Ct);

        var problem = await ConversationsApiTests.AssertProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Equal("There is no such API route.", problem.Detail);
        Assert.Null((await app.ClientFor("boss").GetFromJsonAsync<JsonElement>("/api/admin/users/alice/limits", Ct)).GetProperty("override").GetString());
    }

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("DynamoDb")]
    public async Task AdminUsage_ShowsEachUsersDay_TheDailyTotals_AndEachModelsCost(string store)
    {
        using var app = CreateApp(
            store,
            new NamedModel(new ScriptedChatClient("a", "b"), "scripted"),
            ("Usage:Prices:scripted:InputPerMillionTokens", "1000"),
            ("Usage:Prices:scripted:OutputPerMillionTokens", "2000"));
        foreach (var user in new[] { "alice", "bob", "bob" })
        {
            var client = app.ClientFor(user);
            (await client.SendJsonAsync((await client.CreateConversationAsync()).Id, new { content = "hi" })).EnsureSuccessStatusCode();
        }

        var usage = await app.ClientFor("boss").GetFromJsonAsync<JsonElement>("/api/admin/usage?days=30", Ct);

        var users = usage.GetProperty("users").EnumerateArray().ToList();
        var bob = Assert.Single(users, u => u.GetProperty("userId").GetString() == "bob");
        Assert.Equal((2, 6, 4, 0, 2), (
            bob.GetProperty("turns").GetInt64(), bob.GetProperty("inputTokens").GetInt64(), bob.GetProperty("outputTokens").GetInt64(),
            bob.GetProperty("errors").GetInt64(), bob.GetProperty("conversations").GetInt64()));
        Assert.Equal(["scripted"], bob.GetProperty("models").EnumerateArray().Select(m => m.GetString()));
        var daily = usage.GetProperty("daily").EnumerateArray().ToList();
        Assert.Equal(30, daily.Count);
        Assert.Equal(3, daily[^1].GetProperty("turns").GetInt64());
        var model = Assert.Single(usage.GetProperty("models").EnumerateArray());
        Assert.Equal(("scripted", 9, 6), (model.GetProperty("model").GetString(), model.GetProperty("inputTokens").GetInt64(), model.GetProperty("outputTokens").GetInt64()));
        Assert.Equal(0.021m, model.GetProperty("estimatedCostUsd").GetDecimal());
    }

    /// <summary>
    /// One user sends 16 turns at once while another sends one: the fair gate lets the second user's turn through the model's
    /// next free slot, so it takes at most about two answers' time instead of waiting behind all sixteen.
    /// </summary>
    [Theory]
    [InlineData("Sqlite")]
    [InlineData("DynamoDb")]
    public async Task WhileOneUserFloodsTheModel_AnotherUsersTurn_StaysWithinThreeTimesItsUnloadedTime(string store)
    {
        var model = new SlowModel(TimeSpan.FromMilliseconds(600), slots: 2);
        using var app = CreateApp(store, model, ("Usage:ModelSlots", "2"));
        var (boss, flooder, victim) = (app.ClientFor("boss"), app.ClientFor("flooder"), app.ClientFor("victim"));
        (await boss.PutAsJsonAsync("/api/admin/users/flooder/limits", new { answersAtOnce = 32, messagesPerMinute = 1000 }, Ct)).EnsureSuccessStatusCode();
        var victimConversation = await victim.CreateConversationAsync();
        var floods = new List<string>();
        for (var i = 0; i < 16; i++)
        {
            floods.Add((await flooder.CreateConversationAsync()).Id);
        }

        (await victim.SendJsonAsync(victimConversation.Id, new { content = "warm-up" })).EnsureSuccessStatusCode();
        var unloaded = await TimeTurnAsync(victim, victimConversation.Id);

        var flood = floods.Select(id => flooder.SendJsonAsync(id, new { content = "flood" })).ToList();
        await model.Busy.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var loaded = await TimeTurnAsync(victim, victimConversation.Id);
        var flooded = await Task.WhenAll(flood);

        Assert.All(flooded, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.True(
            loaded <= unloaded * 3,
            $"The victim's turn took {loaded.TotalMilliseconds:F0} ms under the flood, more than 3 × its unloaded {unloaded.TotalMilliseconds:F0} ms.");
    }

    private static async Task<TimeSpan> TimeTurnAsync(HttpClient client, string conversationId)
    {
        var clock = Stopwatch.StartNew();
        (await client.SendJsonAsync(conversationId, new { content = "how long?" })).EnsureSuccessStatusCode();
        return clock.Elapsed;
    }

    /// <summary>A model that names itself as a backend does (ChatClientMetadata), which is the name usage is counted under.</summary>
    private sealed class NamedModel(IChatClient inner, string modelId) : DelegatingChatClient(inner)
    {
        public override object? GetService(Type serviceType, object? serviceKey = null) => serviceType == typeof(ChatClientMetadata)
            ? new ChatClientMetadata("scripted", null, modelId)
            : base.GetService(serviceType, serviceKey);
    }

    /// <summary>
    /// A model with a fixed answer time and its own slots, first come first served like a real backend's: without the fair
    /// gate, a turn would queue behind every answer ahead of it.
    /// </summary>
    private sealed class SlowModel(TimeSpan answerTime, int slots) : IChatClient
    {
        private readonly SemaphoreSlim _slots = new(slots, slots);

        /// <summary>Set once every slot is taken.</summary>
        public TaskCompletionSource Busy { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await _slots.WaitAsync(cancellationToken);
            try
            {
                if (_slots.CurrentCount == 0)
                {
                    Busy.TrySetResult();
                }

                await Task.Delay(answerTime, cancellationToken);
                yield return new ChatResponseUpdate(ChatRole.Assistant, "done");
            }
            finally
            {
                _slots.Release();
            }
        }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose() => _slots.Dispose();
    }
}
