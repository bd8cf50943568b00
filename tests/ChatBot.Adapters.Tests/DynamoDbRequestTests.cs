using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using ChatBot.Cache.Memory;
using ChatBot.Core;
using ChatBot.Storage.DynamoDb;
using ChatBot.TestKit.LocalServers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit;
using static ChatBot.Adapters.Tests.Contracts.TestData;

namespace ChatBot.Adapters.Tests;

/// <summary>
/// Counts the HTTP requests the SDK really sends (by X-Amz-Target), to hold the store to its budget: a turn costs at most
/// 1 Query on a cache miss, no read on a cache hit, and at most 4 writes (the question, the lease, the answer, the lease's end). Also checks retries and failures on the wire.
/// </summary>
public sealed partial class DynamoDbRequestTests(DynamoDbTableFixture table) : IDisposable
{
    private readonly RecordingHttpClientFactory _http = new();
    private readonly List<IDisposable> _disposables = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Turns_SendOneQueryOnACacheMiss_NoReadOnACacheHit_AndFourWritesEach()
    {
        var store = CreateStore();
        var chat = CreateChatService(store);
        var user = NewUser();
        // The user's default instructions are one GetItem, then the conversation and activity items one BatchWriteItem.
        var conversation = await chat.CreateConversationAsync(user, null, Ct);
        Assert.Equal(["GetItem", "BatchWriteItem"], _http.TakeTargets());

        // Cache miss: the context is one Query; the user message one PutItem, then the lease one UpdateItem on the conversation
        // item; the answer and activity one BatchWriteItem, then ending the lease one UpdateItem.
        await RunTurnAsync(chat, user, conversation.Id, "Hello", "client-1");
        Assert.Equal(["Query", "PutItem", "UpdateItem", "BatchWriteItem", "UpdateItem"], _http.TakeTargets());

        // Cache hit: no read at all.
        await RunTurnAsync(chat, user, conversation.Id, "And again", "client-2");
        Assert.Equal(["PutItem", "UpdateItem", "BatchWriteItem", "UpdateItem"], _http.TakeTargets());

        // A repeated clientMessageId: the failed conditional put, then the original (unless DynamoDB returned it) and its answer.
        var replay = await chat.StartTurnAsync(user, conversation.Id, "Hello", "client-1", Ct);
        Assert.IsType<TurnStart.Replayed>(replay);
        // DynamoDB returns the original with the failure (1 GetItem follows); dynalite does not (2 follow). Never a write.
        var targets = _http.TakeTargets();
        Assert.Equal("PutItem", targets[0]);
        Assert.InRange(targets.Count, 2, 3);
        Assert.All(targets.Skip(1), target => Assert.Equal("GetItem", target));
    }

    [Fact]
    public async Task OtherOperations_SendTheDocumentedRequests()
    {
        var store = CreateStore();
        var user = NewUser();
        var conversation = NewConversation(user);
        await store.CreateConversationAsync(conversation, Ct);
        for (var i = 0; i < 30; i++)
        {
            await store.AddUserMessageAsync(user, UserMessage(conversation.Id, $"message {i}"), Lapsed(), Ct);
        }

        _http.TakeTargets();

        await store.GetConversationAsync(user, conversation.Id, 20, Ct);
        Assert.Equal(["Query"], _http.TakeTargets());

        await store.ListConversationsAsync(user, 20, null, Ct);
        Assert.Equal(["Query", "BatchGetItem"], _http.TakeTargets());

        await store.RenameConversationAsync(user, conversation.Id, "Renamed", Now(), Ct);
        Assert.Equal(["UpdateItem", "UpdateItem"], _http.TakeTargets());

        // The conversation item first (the fence), then one Query for the other 31 keys, two batches of at most 25 for the
        // messages, and the activity item last.
        await store.DeleteConversationAsync(user, conversation.Id, Ct);
        Assert.Equal(["DeleteItem", "Query", "BatchWriteItem", "BatchWriteItem", "DeleteItem"], _http.TakeTargets());
    }

    [Fact]
    public async Task Throttling_IsRetriedBySdk_ThenSucceeds()
    {
        var store = CreateStore(maxAttempts: 4);
        var user = NewUser();
        var conversation = NewConversation(user);
        await store.CreateConversationAsync(conversation, Ct);
        _http.TakeTargets();
        _http.Intercept = (target, _) => target == "PutItem" && _http.Count("PutItem") <= 2 ? Throttled() : null;

        var added = await store.AddUserMessageAsync(user, UserMessage(conversation.Id, "through the throttle"), Lapsed(), Ct);

        Assert.True(added.Added);
        Assert.Equal(["PutItem", "PutItem", "PutItem", "UpdateItem"], _http.TakeTargets());
    }

    [Fact]
    public async Task Throttling_ThatOutlastsTheRetries_SurfacesAsStoreUnavailable()
    {
        var store = CreateStore(maxAttempts: 2);
        var user = NewUser();
        var conversation = NewConversation(user);
        await store.CreateConversationAsync(conversation, Ct);
        _http.TakeTargets();
        _http.Intercept = (target, _) => target == "PutItem" ? Throttled() : null;

        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.AddUserMessageAsync(user, UserMessage(conversation.Id, "lost?"), Lapsed(), Ct));

        Assert.Equal(["PutItem", "PutItem"], _http.TakeTargets());
    }

    [Fact]
    public async Task UnprocessedBatchItems_AreRetriedUntilWritten()
    {
        var store = CreateStore();
        var user = NewUser();
        var conversation = NewConversation(user);

        // DynamoDB under pressure accepts a batch but hands some items back: here, all of them, twice.
        _http.Intercept = (target, body) => target == "BatchWriteItem" && _http.Count("BatchWriteItem") <= 2 ? Unprocessed(body) : null;

        await store.CreateConversationAsync(conversation, Ct);

        Assert.Equal(["BatchWriteItem", "BatchWriteItem", "BatchWriteItem"], _http.TakeTargets());
        Assert.NotNull(await store.GetConversationAsync(user, conversation.Id, 1, Ct));
    }

    [Fact]
    public async Task UnreachableDynamoDb_SurfacesAsStoreUnavailable()
    {
        var options = new DynamoDbStoreOptions
        {
            TableName = table.Options.TableName,
            ServiceUrl = $"http://127.0.0.1:{LocalServerProcess.FreeTcpPort()}",
            MaxAttempts = 2,
            RequestTimeout = TimeSpan.FromSeconds(2),
        };
        using var client = DynamoDbClientFactory.CreateClient(options, DynamoDbClientFactory.CreateConfig(options));
        var store = new DynamoDbConversationStore(client, Options.Create(options), NullLogger<DynamoDbConversationStore>.Instance);

        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.CreateConversationAsync(NewConversation(NewUser()), Ct));
    }

    public void Dispose() => _disposables.ForEach(d => d.Dispose());

    private DynamoDbConversationStore CreateStore(int? maxAttempts = null)
    {
        var client = table.CreateClient(_http, maxAttempts);
        _disposables.Add(client);
        return new DynamoDbConversationStore(client, Options.Create(table.Options), NullLogger<DynamoDbConversationStore>.Instance);
    }

    private ChatService CreateChatService(IConversationStore store)
    {
        var cache = new InProcessContextCache(Options.Create(new ContextCacheOptions()));
        _disposables.Add(cache);
        return new ChatService(
            store, cache, new ScriptedChatClient("ec", "ho"), Options.Create(new Core.ChatServiceOptions()), TimeProvider.System, NullLogger<ChatService>.Instance);
    }

    private static async Task RunTurnAsync(ChatService chat, string user, string conversationId, string content, string clientMessageId)
    {
        var start = Assert.IsType<TurnStart.Started>(await chat.StartTurnAsync(user, conversationId, content, clientMessageId, Ct));
        await foreach (var update in start.Turn.StreamAsync(Ct))
        {
            Assert.IsNotType<TurnUpdate.Failed>(update);
        }
    }

    private static HttpResponseMessage Throttled() => new(HttpStatusCode.BadRequest)
    {
        Content = new StringContent(
            """{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}""",
            Encoding.UTF8,
            "application/x-amz-json-1.0"),
    };

    private static HttpResponseMessage Unprocessed(string requestBody)
    {
        var request = JsonNode.Parse(requestBody)!;
        var response = new JsonObject { ["UnprocessedItems"] = request["RequestItems"]!.DeepClone() };
        return new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StringContent(response.ToJsonString(), Encoding.UTF8, "application/x-amz-json-1.0"),
        };
    }

    /// <summary>Gives the SDK HttpClients that record every request's operation and may answer some of them instead of dynalite.</summary>
    private sealed class RecordingHttpClientFactory : HttpClientFactory
    {
        private readonly ConcurrentQueue<string> _targets = new();
        private readonly ConcurrentDictionary<string, int> _counts = new();

        /// <summary>Returns a response to send instead of forwarding the request, or null to forward it.</summary>
        public Func<string, string, HttpResponseMessage?>? Intercept { get; set; }

        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(new RecordingHandler(this) { InnerHandler = new SocketsHttpHandler() });

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

        public override string GetConfigUniqueString(IClientConfig clientConfig) => "recording";

        public List<string> TakeTargets()
        {
            var taken = new List<string>();
            while (_targets.TryDequeue(out var target))
            {
                taken.Add(target);
            }

            _counts.Clear();
            return taken;
        }

        public int Count(string target) => _counts.GetValueOrDefault(target);

        private sealed class RecordingHandler(RecordingHttpClientFactory owner) : DelegatingHandler
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                // X-Amz-Target is "DynamoDB_20120810.Query": the operation is what follows the dot.
                var target = request.Headers.TryGetValues("X-Amz-Target", out var values) ? values.Single().Split('.')[^1] : "?";
                owner._targets.Enqueue(target);
                owner._counts.AddOrUpdate(target, 1, (_, count) => count + 1);
                if (owner.Intercept is { } intercept && request.Content is { } content)
                {
                    var body = await content.ReadAsStringAsync(cancellationToken);
                    if (intercept(target, body) is { } response)
                    {
                        response.RequestMessage = request;
                        return response;
                    }
                }

                return await base.SendAsync(request, cancellationToken);
            }
        }
    }
}
