using System.Net;
using System.Net.Sockets;
using ChatBot.Core;
using ChatBot.TestKit.Http;
using ChatBot.TestKit.OpenAI;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatBot.Llm.OpenAI.Tests;

public sealed class OpenAICompatibleProviderTests
{
    [Fact]
    public async Task StreamingAnswer_ArrivesChunkByChunk_WithUsageFromTheFinalChunk()
    {
        await using var server = await FakeOpenAIServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        using var services = BuildServices(server.Endpoint);
        var client = services.GetRequiredService<IChatClient>();

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(
            [new ChatMessage(ChatRole.System, "Be brief."), new ChatMessage(ChatRole.User, "hello there")],
            new ChatOptions { MaxOutputTokens = 64, Temperature = 0.5f },
            TestContext.Current.CancellationToken))
        {
            updates.Add(update);
        }

        Assert.Equal(["You", " said:", " hello", " there"], updates.Where(u => u.Text.Length > 0).Select(u => u.Text));
        var usage = Assert.Single(updates.SelectMany(u => u.Contents).OfType<UsageContent>()).Details;
        Assert.Equal(4, usage.InputTokenCount);
        Assert.Equal(4, usage.OutputTokenCount);
        var request = Assert.Single(server.Requests);
        Assert.Equal("test-model", request.Model);
        Assert.True(request.Stream);
        Assert.True(request.IncludeUsage, "The client must ask for usage in the stream (stream_options.include_usage).");
        Assert.Equal(64, request.MaxTokens);
        Assert.Equal(0.5, request.Temperature!.Value, 3);
        Assert.Equal([new("system", "Be brief."), new("user", "hello there")], request.Messages);
    }

    [Fact]
    public async Task WholeAnswer_ComesBackWithUsage()
    {
        await using var server = await FakeOpenAIServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        using var services = BuildServices(server.Endpoint);

        var response = await services.GetRequiredService<IChatClient>()
            .GetResponseAsync([new ChatMessage(ChatRole.User, "ping")], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("You said: ping", response.Text);
        Assert.Equal(3, response.Usage?.OutputTokenCount);
        Assert.False(Assert.Single(server.Requests).Stream);
    }

    [Fact]
    public async Task ApiKey_IsSentAsABearerToken()
    {
        await using var server = await FakeOpenAIServer.StartAsync("sk-local", TestContext.Current.CancellationToken);
        using var services = BuildServices(server.Endpoint, new() { ["Llm:OpenAI:ApiKey"] = "sk-local" });

        var response = await services.GetRequiredService<IChatClient>()
            .GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("You said: hi", response.Text);
        Assert.Equal("Bearer sk-local", Assert.Single(server.Requests).Authorization);
    }

    [Fact]
    public async Task WrongApiKey_IsAccessDenied_PointingAtTheSetting()
    {
        await using var server = await FakeOpenAIServer.StartAsync("sk-local", TestContext.Current.CancellationToken);
        using var services = BuildServices(server.Endpoint, new() { ["Llm:OpenAI:ApiKey"] = "sk-wrong" });

        var exception = await StreamUntilFailureAsync(services);

        Assert.Equal(ModelErrorKind.AccessDenied, exception.Kind);
        Assert.Contains("Llm:OpenAI:ApiKey", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TooManyRequests_IsThrottled_WithTheServersRetryAfter()
    {
        await using var server = await FakeOpenAIServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        server.Enqueue(FakeOpenAIReply.Error(429, "All slots are busy.", retryAfterSeconds: 7));
        using var services = BuildServices(server.Endpoint);

        var exception = await StreamUntilFailureAsync(services);

        Assert.Equal(ModelErrorKind.Throttled, exception.Kind);
        Assert.Equal(TimeSpan.FromSeconds(7), exception.RetryAfter);
        Assert.Contains("All slots are busy.", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServiceUnavailable_IsUnavailable_WithARetryAfter()
    {
        await using var server = await FakeOpenAIServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        server.Enqueue(FakeOpenAIReply.Error(503, "Loading model"));
        using var services = BuildServices(server.Endpoint);

        var exception = await StreamUntilFailureAsync(services);

        Assert.Equal(ModelErrorKind.Unavailable, exception.Kind);
        Assert.NotNull(exception.RetryAfter);
    }

    [Fact]
    public async Task BadRequest_IsAnInvalidRequest_CarryingTheServersReason()
    {
        await using var server = await FakeOpenAIServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        server.Enqueue(FakeOpenAIReply.Error(400, "the request exceeds the available context size", "invalid_request_error"));
        using var services = BuildServices(server.Endpoint);

        var exception = await StreamUntilFailureAsync(services);

        Assert.Equal(ModelErrorKind.InvalidRequest, exception.Kind);
        Assert.Contains("exceeds the available context size", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongEndpointPath_IsReportedAsAConfigurationProblem()
    {
        await using var server = await FakeOpenAIServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        using var services = BuildServices(new Uri(server.Endpoint, "/"));

        var exception = await StreamUntilFailureAsync(services);

        Assert.Equal(ModelErrorKind.AccessDenied, exception.Kind);
        Assert.Contains("Llm:OpenAI:Endpoint", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerNotRunning_IsUnavailable_NamingTheEndpoint()
    {
        var endpoint = new Uri($"http://127.0.0.1:{UnusedPort()}/v1/");
        using var services = BuildServices(endpoint);

        var exception = await StreamUntilFailureAsync(services);

        Assert.Equal(ModelErrorKind.Unavailable, exception.Kind);
        Assert.Contains(endpoint.ToString(), exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectionDropMidStream_KeepsThePartialText_ThenFailsAsUnavailable()
    {
        await using var server = await FakeOpenAIServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        server.Enqueue(FakeOpenAIReply.DropAfter("Half", " an"));
        using var services = BuildServices(server.Endpoint);

        var (text, exception) = await StreamKeepingTextUntilFailureAsync(services);

        Assert.Equal("Half an", text);
        Assert.Equal(ModelErrorKind.Unavailable, exception.Kind);
    }

    [Fact]
    public async Task TransientFailure_IsRetriedByTheClient_WhenRetriesAreConfigured()
    {
        await using var server = await FakeOpenAIServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        server.Enqueue(FakeOpenAIReply.Error(503, "Loading model", retryAfterSeconds: 0));
        using var services = BuildServices(server.Endpoint, new() { ["Llm:OpenAI:MaxRetries"] = "1" });

        var response = await services.GetRequiredService<IChatClient>()
            .GetResponseAsync([new ChatMessage(ChatRole.User, "again")], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("You said: again", response.Text);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task ErrorGivenAsAPlainString_IsShownAsTheServersReason()
    {
        // Ollama's shape: {"error": "..."} rather than {"error": {"message": "..."}}.
        await using var server = await ServeAsync(context =>
        {
            context.Response.StatusCode = 404;
            return context.Response.WriteAsync("""{"error":"model 'llama9' not found, try pulling it first"}""");
        });
        using var services = BuildServices(server.Endpoint);

        var exception = await StreamUntilFailureAsync(services);

        Assert.Equal(ModelErrorKind.AccessDenied, exception.Kind);
        Assert.Contains("model 'llama9' not found", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("{", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ErrorEventMidStream_KeepsThePartialText_ThenFailsAsUnavailable()
    {
        // llama-server reports a failure after the headers as an event carrying an error object.
        await using var server = await ServeAsync(async context =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("""
                data: {"id":"c1","model":"m","choices":[{"index":0,"delta":{"content":"Half"}}]}

                data: {"error":{"code":500,"message":"the KV cache is full","type":"server_error"}}


                """);
        });
        using var services = BuildServices(server.Endpoint);

        var (text, exception) = await StreamKeepingTextUntilFailureAsync(services);

        Assert.Equal("Half", text);
        Assert.Equal(ModelErrorKind.Unavailable, exception.Kind);
        Assert.Contains("the KV cache is full", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnswerThatIsNotAChatCompletion_FailsNamingTheServer()
    {
        await using var server = await ServeAsync(async context =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("data: <html>a proxy's page</html>\n\n");
        });
        using var services = BuildServices(server.Endpoint);

        var exception = await StreamUntilFailureAsync(services);

        Assert.Equal(ModelErrorKind.Failed, exception.Kind);
        Assert.Contains(server.Endpoint.ToString(), exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Llm:OpenAI:Endpoint", "Llm:OpenAI:Endpoint is required")]
    [InlineData("Llm:OpenAI:ModelId", "Llm:OpenAI:ModelId is required")]
    public void MissingSetting_StopsStartupWithAMessageNamingIt(string missing, string expected)
    {
        var settings = new Dictionary<string, string?> { ["Llm:OpenAI:Endpoint"] = "http://127.0.0.1:8080/v1", ["Llm:OpenAI:ModelId"] = "m" };
        settings.Remove(missing);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var collection = new ServiceCollection();
        collection.AddOpenAICompatibleChatClient(configuration.GetSection("Llm"));
        using var services = collection.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<OpenAICompatibleOptions>>().Value);

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider BuildServices(Uri endpoint, Dictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Llm:OpenAI:Endpoint"] = endpoint.ToString(),
            ["Llm:OpenAI:ModelId"] = "test-model",
            ["Llm:OpenAI:MaxRetries"] = "0",
        };
        foreach (var (key, value) in settings ?? [])
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var collection = new ServiceCollection();
        collection.AddOpenAICompatibleChatClient(configuration.GetSection("Llm"));
        return collection.BuildServiceProvider();
    }

    private static async Task<ModelException> StreamUntilFailureAsync(ServiceProvider services) =>
        (await StreamKeepingTextUntilFailureAsync(services)).Exception;

    /// <summary>Streams an answer to "hi" until it fails; returns the text that arrived before the failure, and the failure.</summary>
    private static async Task<(string Text, ModelException Exception)> StreamKeepingTextUntilFailureAsync(ServiceProvider services)
    {
        var text = "";
        var exception = await Assert.ThrowsAsync<ModelException>(async () =>
        {
            await foreach (var update in services.GetRequiredService<IChatClient>()
                .GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")], cancellationToken: TestContext.Current.CancellationToken))
            {
                text += update.Text;
            }
        });
        return (text, exception);
    }

    private static async Task<ScriptedServer> ServeAsync(RequestDelegate answer)
    {
        var (app, baseAddress) = await LoopbackWebApp.StartAsync(
            app => app.MapPost("/v1/chat/completions", answer), TestContext.Current.CancellationToken);
        return new ScriptedServer(app, new Uri(baseAddress, "/v1/"));
    }

    /// <summary>A model server that answers every call the same scripted way.</summary>
    private sealed class ScriptedServer(WebApplication app, Uri endpoint) : IAsyncDisposable
    {
        public Uri Endpoint { get; } = endpoint;

        public ValueTask DisposeAsync() => app.DisposeAsync();
    }

    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
