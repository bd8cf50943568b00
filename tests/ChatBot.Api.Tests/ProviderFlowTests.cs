using System.Runtime.CompilerServices;
using Amazon.Runtime;
using ChatBot.Llm.LlamaSharp;
using ChatBot.TestKit;
using ChatBot.TestKit.Bedrock;
using ChatBot.TestKit.LocalServers;
using ChatBot.TestKit.OpenAI;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ChatBot.Api.Tests;

/// <summary>The whole SSE turn through each model provider, configured only by settings as a deployment would be.</summary>
public sealed class ProviderFlowTests
{
    [Fact]
    public async Task Turn_ThroughBedrock_StreamsSignedConverseStreamAnswerAndStoresUsage()
    {
        await using var bedrock = await FakeBedrockServer.StartAsync("eu-west-1");
        bedrock.DefaultReply = FakeBedrockReply.Answer(["Hello", " from", " Bedrock."], inputTokens: 12, outputTokens: 3);
        using var app = new BedrockApp(bedrock);
        var client = app.ClientFor("alice");
        var conversation = await client.CreateConversationAsync();

        var events = await client.SendStreamingAsync(conversation.Id, new { content = "Hi" });

        Assert.Equal("Hello from Bedrock.", string.Concat(events.Where(e => e.Name == "delta").Select(e => e.Read<DeltaDto>().Text)));
        Assert.Equal(new UsageDto(12, 3), events[^1].Read<MessageDto>().Usage);
        var request = Assert.Single(bedrock.Requests);
        Assert.Empty(request.Problems);
        Assert.Equal(("converse-stream", "us.meta.llama3-3-70b-instruct-v1:0"), (request.Operation, request.ModelId));
    }

    [Fact]
    public async Task Turn_ThroughBedrock_WhenThrottledBeyondRetries_Is429WithRetryAfter()
    {
        await using var bedrock = await FakeBedrockServer.StartAsync("eu-west-1");
        bedrock.DefaultReply = FakeBedrockReply.Throttling();
        using var app = new BedrockApp(bedrock);
        var client = app.ClientFor("alice");
        var conversation = await client.CreateConversationAsync();

        var response = await client.SendJsonAsync(conversation.Id, new { content = "Hi" });

        await ConversationsApiTests.AssertProblemAsync(response, System.Net.HttpStatusCode.TooManyRequests);
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task Turn_ThroughOpenAICompatibleServer_StreamsTokensGeneratedByARealModel()
    {
        await using var server = await FakeOpenAIServer.StartAsync(apiKey: "test-key");
        using var model = new LlamaSharpChatClient(new LlamaModelLoader(TinyGgufModel.WriteTempFile()), new LlamaSharpOptions { Threads = 1, ContextSize = 512 });
        server.Generate = (request, cancellationToken) => GenerateAsync(model, request, cancellationToken);
        using var app = new ApiTestApp(settings: new Dictionary<string, string?>
        {
            ["Llm:Provider"] = "OpenAI",
            ["Llm:OpenAI:Endpoint"] = server.Endpoint.ToString(),
            ["Llm:OpenAI:ModelId"] = "qwen2.5-0.5b-instruct",
            ["Llm:OpenAI:ApiKey"] = "test-key",
        });
        var client = app.ClientFor("alice");
        var conversation = await client.CreateConversationAsync();

        var events = await client.SendStreamingAsync(conversation.Id, new { content = "Hi" });

        Assert.True(events.Count(e => e.Name == "delta") > 1, string.Join(" | ", events.Select(e => e.Name + " " + e.Data)));
        Assert.Equal(TinyGgufModel.ExpectedChatAnswer, events[^1].Read<MessageDto>().Content);
        Assert.Equal("Bearer test-key", Assert.Single(server.Requests).Authorization);
    }

    [Fact]
    public async Task FargateWiring_ToLlamaServerByCloudMapName_StreamsTheModelsTokens()
    {
        // llm=fargate: llama-server in a Fargate task, reached by its Cloud Map name. The stack sets exactly these
        // variables: the base ends in /v1 with no trailing slash, any model name will do, and there is no API key.
        await using var server = await FakeOpenAIServer.StartAsync();
        using var model = new LlamaSharpChatClient(new LlamaModelLoader(TinyGgufModel.WriteTempFile()), new LlamaSharpOptions { Threads = 1, ContextSize = 512 });
        server.Generate = (request, cancellationToken) => GenerateAsync(model, request, cancellationToken);
        var environment = new Dictionary<string, string>
        {
            ["Llm__Provider"] = "OpenAI",
            ["Llm__OpenAI__Endpoint"] = $"http://127.0.0.1:{server.Endpoint.Port}/v1",
            ["Llm__OpenAI__ModelId"] = "qwen2.5-0.5b-instruct-q4_k_m",
        };
        using var app = new ApiTestApp(settings: environment.ToDictionary(e => e.Key.Replace("__", ":", StringComparison.Ordinal), e => (string?)e.Value));
        var client = app.ClientFor("alice");
        var conversation = await client.CreateConversationAsync();

        var events = await client.SendStreamingAsync(conversation.Id, new { content = "Hi" });

        Assert.True(events.Count(e => e.Name == "delta") > 1, string.Join(" | ", events.Select(e => e.Name + " " + e.Data)));
        Assert.Equal(TinyGgufModel.ExpectedChatAnswer, events[^1].Read<MessageDto>().Content);
        var request = Assert.Single(server.Requests);
        Assert.Equal(("qwen2.5-0.5b-instruct-q4_k_m", true), (request.Model, request.Stream));
    }

    private static async IAsyncEnumerable<string> GenerateAsync(LlamaSharpChatClient model, FakeChatRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var messages = request.Messages.Select(m => new ChatMessage(new ChatRole(m.Key), m.Value));
        await foreach (var update in model.GetStreamingResponseAsync(messages, new ChatOptions { Temperature = 0 }, cancellationToken))
        {
            if (update.Text.Length > 0)
            {
                yield return update.Text;
            }
        }
    }

    /// <summary>The app on Bedrock, signing with test credentials the fake verifies.</summary>
    private sealed class BedrockApp(FakeBedrockServer bedrock) : ApiTestApp(settings: new Dictionary<string, string?>
    {
        ["Llm:Provider"] = "Bedrock",
        ["Llm:Bedrock:ModelId"] = "us.meta.llama3-3-70b-instruct-v1:0",
        ["Llm:Bedrock:Region"] = bedrock.Region,
        ["Llm:Bedrock:Endpoint"] = bedrock.Endpoint.ToString(),
        ["Llm:Bedrock:RetryBudget"] = "00:00:00.300",
        ["Llm:Bedrock:RetryBaseDelay"] = "00:00:00.050",
    })
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            var credentials = FakeBedrockServer.TestCredentials;
            builder.ConfigureTestServices(services => services.AddSingleton<AWSCredentials>(
                new SessionAWSCredentials(credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken)));
        }
    }
}

/// <summary>The API on the AWS adapters: DynamoDB (dynalite) and Redis (a real redis-server), both started once for the class.</summary>
public sealed partial class AwsAdaptersApiTests(AwsAdaptersApiTests.Servers servers) : IClassFixture<AwsAdaptersApiTests.Servers>
{
    public sealed class Servers : IAsyncLifetime
    {
        public DynaliteFixture Dynalite { get; } = new();

        public RedisServerFixture Redis { get; } = new();

        public async ValueTask InitializeAsync()
        {
            await Dynalite.InitializeAsync();
            await Redis.InitializeAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await Redis.DisposeAsync();
            await Dynalite.DisposeAsync();
        }
    }

    /// <summary>An app on a table of its own and the shared Redis; <paramref name="model"/> null runs the real embedded model.</summary>
    private ApiTestApp CreateApp(IChatClient? model, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "DynamoDb",
            ["Storage:DynamoDb:TableName"] = "chatbot-" + Guid.NewGuid().ToString("N")[..8],
            ["Storage:DynamoDb:ServiceUrl"] = servers.Dynalite.ServiceUrl,
            ["Storage:DynamoDb:CreateTable"] = "true",
            ["Cache:Provider"] = "Redis",
            ["Cache:Redis:Configuration"] = servers.Redis.Configuration,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        return new ApiTestApp(model, all);
    }

    /// <summary>An instance as the minimal profile runs them: DynamoDB shared, the context cache in each process.</summary>
    private ApiTestApp CreateInstance(IChatClient model, string table) => new(model, new Dictionary<string, string?>
    {
        ["Storage:Provider"] = "DynamoDb",
        ["Storage:DynamoDb:TableName"] = table,
        ["Storage:DynamoDb:ServiceUrl"] = servers.Dynalite.ServiceUrl,
        ["Storage:DynamoDb:CreateTable"] = "true",
        ["Cache:Provider"] = "Memory",
    });

    private async Task<int> ItemsInTableAsync(string table)
    {
        using var client = new Amazon.DynamoDBv2.AmazonDynamoDBClient(
            new BasicAWSCredentials("local", "local"), new Amazon.DynamoDBv2.AmazonDynamoDBConfig { ServiceURL = servers.Dynalite.ServiceUrl });
        // Conversation items only (U#{user}#C#…): each user's usage counters are kept apart from them, and outlive a deletion.
        return (await client.ScanAsync(new Amazon.DynamoDBv2.Model.ScanRequest
        {
            TableName = table,
            Select = Amazon.DynamoDBv2.Select.COUNT,
            FilterExpression = "contains(PK, :conversation)",
            ExpressionAttributeValues = new() { [":conversation"] = new Amazon.DynamoDBv2.Model.AttributeValue { S = "#C#" } },
        })).Count ?? 0;
    }

    [Fact]
    public async Task TwoInstances_DeleteOnOne_ThenATurnOnTheOtherWithTheConversationCached_Is404_AndStoresNothing()
    {
        var table = "chatbot-" + Guid.NewGuid().ToString("N")[..8];
        var secondModel = new ScriptedChatClient("cached");
        using var first = CreateInstance(new ScriptedChatClient("ok"), table);
        using var second = CreateInstance(secondModel, table);
        var conversation = await first.ClientFor("alice").CreateConversationAsync();
        await second.ClientFor("alice").SendJsonAsync(conversation.Id, new { content = "warms the second instance's cache" });

        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await first.ClientFor("alice").DeleteAsync($"/api/conversations/{conversation.Id}")).StatusCode);
        var late = await second.ClientFor("alice").SendJsonAsync(conversation.Id, new { content = "still there?" });

        await ConversationsApiTests.AssertProblemAsync(late, System.Net.HttpStatusCode.NotFound);
        Assert.Equal(1, secondModel.Calls);
        Assert.Equal(0, await ItemsInTableAsync(table));
    }

    [Fact]
    public async Task TwoInstances_DeleteOnOneWhileTheOtherAnswers_EndsTheStreamWith404_AndStoresNothing()
    {
        var table = "chatbot-" + Guid.NewGuid().ToString("N")[..8];
        var hold = new TaskCompletionSource();
        var model = new ScriptedChatClient("Once", " upon") { HoldAfterFirstPiece = hold };
        using var first = CreateInstance(new ScriptedChatClient("ok"), table);
        using var second = CreateInstance(model, table);
        var conversation = await first.ClientFor("alice").CreateConversationAsync();
        var streaming = second.ClientFor("alice").SendStreamingAsync(conversation.Id, new { content = "a long story" });
        await model.FirstPieceSent.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await first.ClientFor("alice").DeleteAsync($"/api/conversations/{conversation.Id}")).StatusCode);
        hold.SetResult();
        var events = await streaming;

        Assert.Equal(("error", 404), (events[^1].Name, events[^1].Read<ProblemDto>().Status));
        Assert.Equal(0, await ItemsInTableAsync(table));
    }

    [Fact]
    public async Task TwoInstances_ASecondMessageWhileTheOtherInstanceAnswers_Is409()
    {
        var table = "chatbot-" + Guid.NewGuid().ToString("N")[..8];
        var hold = new TaskCompletionSource();
        var model = new ScriptedChatClient("Once", " upon") { HoldAfterFirstPiece = hold };
        using var first = CreateInstance(model, table);
        using var second = CreateInstance(new ScriptedChatClient("ok"), table);
        var conversation = await first.ClientFor("alice").CreateConversationAsync();
        var streaming = first.ClientFor("alice").SendStreamingAsync(conversation.Id, new { content = "one" });
        await model.FirstPieceSent.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var busy = await second.ClientFor("alice").SendJsonAsync(conversation.Id, new { content = "two" });

        await ConversationsApiTests.AssertProblemAsync(busy, System.Net.HttpStatusCode.Conflict);
        hold.SetResult();
        Assert.Equal("done", (await streaming)[^1].Name);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await second.ClientFor("alice").SendJsonAsync(conversation.Id, new { content = "three" })).StatusCode);
        Assert.Equal(["one", "Once upon", "three", "ok"], (await first.ClientFor("alice").GetConversationAsync(conversation.Id)).Messages!.Select(m => m.Content));
    }

    [Fact]
    public async Task Turns_StreamAndPersist_AndStayPrivate()
    {
        using var app = CreateApp(new ScriptedChatClient("Stored", " in DynamoDB"));
        var alice = app.ClientFor("alice");
        var conversation = await alice.CreateConversationAsync();

        var first = await alice.SendStreamingAsync(conversation.Id, new { content = "one", clientMessageId = "m-1" });
        var second = await alice.SendStreamingAsync(conversation.Id, new { content = "two" });
        var replay = await alice.SendStreamingAsync(conversation.Id, new { content = "one", clientMessageId = "m-1" });

        Assert.Equal("done", first[^1].Name);
        Assert.Equal("done", second[^1].Name);
        Assert.Equal(first[^1].Read<MessageDto>().Id, replay[^1].Read<MessageDto>().Id);
        var stored = await alice.GetConversationAsync(conversation.Id);
        Assert.Equal(["one", "Stored in DynamoDB", "two", "Stored in DynamoDB"], stored.Messages!.Select(m => m.Content));
        Assert.Equal("one", stored.Title);
        var strangerView = await app.ClientFor("mallory").GetAsync($"/api/conversations/{conversation.Id}");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, strangerView.StatusCode);
    }

    [Fact]
    public async Task ListRenameDelete_WorkOnDynamoDb()
    {
        using var app = CreateApp(new ScriptedChatClient("ok"));
        var client = app.ClientFor("bob");
        var older = await client.CreateConversationAsync("older");
        var newer = await client.CreateConversationAsync("newer");

        await client.PatchAsync($"/api/conversations/{older.Id}", System.Net.Http.Json.JsonContent.Create(new { title = "renamed" }));
        await client.DeleteAsync($"/api/conversations/{newer.Id}");
        var list = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<ConversationListDto>(client, "/api/conversations", ApiTestApp.Json);

        Assert.Equal(["renamed"], list!.Items.Select(c => c.Title));
    }
}
