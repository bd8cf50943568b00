using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatBot.TestKit.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ChatBot.TestKit.OpenAI;

/// <summary>One <c>POST /v1/chat/completions</c> the fake received.</summary>
public sealed record FakeChatRequest(
    string Model,
    IReadOnlyList<KeyValuePair<string, string>> Messages,
    bool Stream,
    bool IncludeUsage,
    int? MaxTokens,
    double? Temperature,
    string? Authorization,
    string Body);

/// <summary>A scripted answer to the next call, instead of generating one.</summary>
public abstract record FakeOpenAIReply
{
    /// <summary>An OpenAI-style error: the status, an optional <c>Retry-After</c>, and <c>{"error": {"message", "type"}}</c>.</summary>
    public static FakeOpenAIReply Error(int status, string message, string type = "server_error", int? retryAfterSeconds = null) =>
        new ErrorReply(status, message, type, retryAfterSeconds);

    /// <summary>Streams these chunks, then resets the connection instead of finishing.</summary>
    public static FakeOpenAIReply DropAfter(params string[] chunks) => new DropReply(chunks);

    internal sealed record ErrorReply(int Status, string Message, string Type, int? RetryAfterSeconds) : FakeOpenAIReply;

    internal sealed record DropReply(string[] Chunks) : FakeOpenAIReply;
}

/// <summary>
/// A local OpenAI-compatible endpoint (<c>POST /v1/chat/completions</c>) that answers the way llama-server and OpenAI do:
/// a <c>chat.completion</c> JSON body, or with <c>stream: true</c> Server-Sent Events of <c>chat.completion.chunk</c>
/// objects ending in <c>data: [DONE]</c>, with a final usage chunk when <c>stream_options.include_usage</c> asks for it.
/// The text comes from <see cref="Generate"/>, so a real local model can stand behind it.
/// </summary>
public sealed class FakeOpenAIServer : IAsyncDisposable
{
    private const long Created = 1_700_000_000;

    private readonly WebApplication _app;
    private readonly string? _apiKey;
    private readonly ConcurrentQueue<FakeOpenAIReply> _replies = new();
    private readonly ConcurrentQueue<FakeChatRequest> _requests = new();

    private FakeOpenAIServer(WebApplication app, Uri baseAddress, string? apiKey)
    {
        _app = app;
        _apiKey = apiKey;
        Endpoint = new Uri(baseAddress, "v1/");
    }

    /// <param name="apiKey">When set, calls without <c>Authorization: Bearer {apiKey}</c> get a 401.</param>
    public static async Task<FakeOpenAIServer> StartAsync(string? apiKey = null, CancellationToken cancellationToken = default)
    {
        FakeOpenAIServer? server = null;
        var (app, baseAddress) = await LoopbackWebApp.StartAsync(
            app => app.MapPost("/v1/chat/completions", context => server!.HandleAsync(context)),
            cancellationToken);
        server = new FakeOpenAIServer(app, baseAddress, apiKey);
        return server;
    }

    /// <summary>The API base to use as <c>Llm:OpenAI:Endpoint</c> (ends in <c>/v1/</c>).</summary>
    public Uri Endpoint { get; }

    /// <summary>Every call received, in order.</summary>
    public IReadOnlyList<FakeChatRequest> Requests => [.. _requests];

    /// <summary>Produces the answer's text pieces, one streamed chunk (and one output token) each. Defaults to an echo.</summary>
    public Func<FakeChatRequest, CancellationToken, IAsyncEnumerable<string>> Generate { get; set; } = EchoAsync;

    /// <summary>Counts the prompt's tokens for the usage report. Defaults to whitespace-separated words.</summary>
    public Func<FakeChatRequest, int> CountPromptTokens { get; set; } =
        request => request.Messages.Sum(m => m.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);

    public void Enqueue(params FakeOpenAIReply[] replies)
    {
        foreach (var reply in replies)
        {
            _replies.Enqueue(reply);
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var aborted = context.RequestAborted;
        FakeChatRequest request;
        try
        {
            request = await ReadRequestAsync(context);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            await WriteErrorAsync(context, 400, $"Malformed chat completion request: {ex.Message}", "invalid_request_error", null);
            return;
        }

        _requests.Enqueue(request);
        if (_apiKey is not null && request.Authorization != $"Bearer {_apiKey}")
        {
            await WriteErrorAsync(context, 401, "Invalid API Key", "authentication_error", null);
            return;
        }

        try
        {
            switch (_replies.TryDequeue(out var reply) ? reply : null)
            {
                case FakeOpenAIReply.ErrorReply error:
                    await WriteErrorAsync(context, error.Status, error.Message, error.Type, error.RetryAfterSeconds);
                    return;
                case FakeOpenAIReply.DropReply drop:
                    await StartStreamAsync(context, request);
                    foreach (var chunk in drop.Chunks)
                    {
                        await WriteEventAsync(context, Chunk(request, new JsonObject { ["content"] = chunk }, null));
                    }

                    await Task.Delay(50, aborted);
                    context.Abort();
                    return;
            }

            if (request.Stream)
            {
                await StreamAnswerAsync(context, request);
            }
            else
            {
                await WriteWholeAnswerAsync(context, request);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away mid-answer.
        }
    }

    private async Task StreamAnswerAsync(HttpContext context, FakeChatRequest request)
    {
        await StartStreamAsync(context, request);
        var completionTokens = 0;
        await foreach (var piece in Generate(request, context.RequestAborted).WithCancellation(context.RequestAborted))
        {
            completionTokens++;
            await WriteEventAsync(context, Chunk(request, new JsonObject { ["content"] = piece }, null));
        }

        await WriteEventAsync(context, Chunk(request, [], "stop"));
        if (request.IncludeUsage)
        {
            var usage = Envelope(request, "chat.completion.chunk");
            usage["choices"] = new JsonArray();
            usage["usage"] = Usage(request, completionTokens);
            await WriteEventAsync(context, usage);
        }

        await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    private async Task WriteWholeAnswerAsync(HttpContext context, FakeChatRequest request)
    {
        var text = new StringBuilder();
        var completionTokens = 0;
        await foreach (var piece in Generate(request, context.RequestAborted).WithCancellation(context.RequestAborted))
        {
            completionTokens++;
            text.Append(piece);
        }

        var completion = Envelope(request, "chat.completion");
        completion["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text.ToString() },
            ["logprobs"] = null,
            ["finish_reason"] = "stop",
        });
        completion["usage"] = Usage(request, completionTokens);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(completion.ToJsonString(), context.RequestAborted);
    }

    private static async Task StartStreamAsync(HttpContext context, FakeChatRequest request)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        await context.Response.StartAsync(context.RequestAborted);
        await WriteEventAsync(context, Chunk(request, new JsonObject { ["role"] = "assistant", ["content"] = "" }, null));
    }

    private static async Task WriteEventAsync(HttpContext context, JsonObject data)
    {
        await context.Response.WriteAsync($"data: {data.ToJsonString()}\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    private static JsonObject Chunk(FakeChatRequest request, JsonObject delta, string? finishReason)
    {
        var chunk = Envelope(request, "chat.completion.chunk");
        chunk["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["delta"] = delta,
            ["logprobs"] = null,
            ["finish_reason"] = finishReason,
        });
        return chunk;
    }

    private static JsonObject Envelope(FakeChatRequest request, string type) => new()
    {
        ["id"] = "chatcmpl-fake",
        ["object"] = type,
        ["created"] = Created,
        ["model"] = request.Model,
        ["system_fingerprint"] = "fake",
    };

    private JsonObject Usage(FakeChatRequest request, int completionTokens)
    {
        var promptTokens = CountPromptTokens(request);
        return new JsonObject
        {
            ["prompt_tokens"] = promptTokens,
            ["completion_tokens"] = completionTokens,
            ["total_tokens"] = promptTokens + completionTokens,
        };
    }

    private static async Task WriteErrorAsync(HttpContext context, int status, string message, string type, int? retryAfterSeconds)
    {
        context.Response.StatusCode = status;
        if (retryAfterSeconds is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await context.Response.WriteAsJsonAsync(new { error = new { message, type, param = (string?)null, code = (string?)null } });
    }

    private static async Task<FakeChatRequest> ReadRequestAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;

        var messages = new List<KeyValuePair<string, string>>();
        foreach (var message in root.GetProperty("messages").EnumerateArray())
        {
            var content = message.GetProperty("content");
            var text = content.ValueKind == JsonValueKind.String
                ? content.GetString()!
                : string.Concat(content.EnumerateArray().Where(p => p.GetProperty("type").GetString() == "text").Select(p => p.GetProperty("text").GetString()));
            messages.Add(new(message.GetProperty("role").GetString()!, text));
        }

        return new FakeChatRequest(
            root.GetProperty("model").GetString() ?? throw new FormatException("'model' must be a string."),
            messages,
            root.TryGetProperty("stream", out var stream) && stream.GetBoolean(),
            root.TryGetProperty("stream_options", out var streamOptions)
                && streamOptions.TryGetProperty("include_usage", out var includeUsage)
                && includeUsage.GetBoolean(),
            root.TryGetProperty("max_completion_tokens", out var maxCompletion) ? maxCompletion.GetInt32()
                : root.TryGetProperty("max_tokens", out var maxTokens) ? maxTokens.GetInt32()
                : null,
            root.TryGetProperty("temperature", out var temperature) ? temperature.GetDouble() : null,
            context.Request.Headers.Authorization.ToString() is { Length: > 0 } authorization ? authorization : null,
            body);
    }

    private static async IAsyncEnumerable<string> EchoAsync(FakeChatRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var question = request.Messages.LastOrDefault(m => m.Key == "user").Value ?? "";
        yield return "You";
        yield return " said:";
        foreach (var word in question.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            yield return " " + word;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
