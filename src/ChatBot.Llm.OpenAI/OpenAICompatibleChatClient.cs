using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ChatBot.Llm.OpenAI;

/// <summary>
/// <see cref="IChatClient"/> over the chat completions API that OpenAI-compatible servers share (llama-server, vLLM,
/// Ollama): one POST per answer, streamed back as server-sent events. It speaks only what ChatBot sends (text messages and
/// sampling settings) and reads only what it uses (text, finish reason, usage), with source-generated JSON and no
/// per-chunk allocations beyond the update itself: on <c>llm=fargate</c> every token passes through here.
/// </summary>
/// <remarks>
/// A failed HTTP answer is an <see cref="OpenAIServerException"/> carrying its status, <c>Retry-After</c> and the server's
/// own message; <see cref="OpenAIErrorMappingChatClient"/> turns it into ChatBot's error vocabulary. 429 and 5xx answers and
/// connection failures are retried (<c>Llm:OpenAI:MaxRetries</c>) before any text has arrived, never after.
/// </remarks>
internal sealed class OpenAICompatibleChatClient(HttpClient http, OpenAICompatibleOptions options) : IChatClient
{
    private static readonly TimeSpan LongestRetryDelay = TimeSpan.FromSeconds(30);

    private readonly Uri _completions = new(WithTrailingSlash(options.Endpoint!), "chat/completions");
    private readonly ChatClientMetadata _metadata = new("openai", options.Endpoint, options.ModelId);

    public async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? chatOptions = null, CancellationToken cancellationToken = default)
    {
        using var deadline = Deadline(cancellationToken);
        using var response = await SendAsync(messages, chatOptions, stream: false, deadline.Token);
        await using var body = await response.Content.ReadAsStreamAsync(deadline.Token);
        var completion = await JsonSerializer.DeserializeAsync(body, OpenAIJson.Default.Completion, deadline.Token)
            ?? throw new JsonException("The model server answered 'null' instead of a chat completion.");
        var choice = completion.Choices is [var first, ..] ? first : null;
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, choice?.Message?.Content ?? ""))
        {
            ResponseId = completion.Id,
            ModelId = completion.Model,
            CreatedAt = CreatedAt(completion.Created),
            FinishReason = FinishReason(choice?.FinishReason),
            Usage = Usage(completion.Usage),
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? chatOptions = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var deadline = Deadline(cancellationToken);
        using var response = await SendAsync(messages, chatOptions, stream: true, deadline.Token);
        await using var body = await response.Content.ReadAsStreamAsync(deadline.Token);
        var events = SseParser.Create(body, static (_, data) => data.SequenceEqual("[DONE]"u8)
            ? null
            : JsonSerializer.Deserialize(data, OpenAIJson.Default.Completion));
        await foreach (var item in events.EnumerateAsync(deadline.Token))
        {
            if (item.Data is not { } chunk)
            {
                yield break;
            }

            if (chunk.Error is { } error)
            {
                // llama-server reports a failure that happens after the headers as an error event in the stream.
                throw new OpenAIServerException(HttpStatusCode.InternalServerError, error.Message ?? "The model server failed mid-answer.", null);
            }

            var choice = chunk.Choices is [var first, ..] ? first : null;
            var usage = Usage(chunk.Usage);
            var text = choice?.Delta?.Content;
            var finish = FinishReason(choice?.FinishReason);
            if (string.IsNullOrEmpty(text) && usage is null && finish is null)
            {
                continue;
            }

            var update = new ChatResponseUpdate(ChatRole.Assistant, string.IsNullOrEmpty(text) ? [] : [new TextContent(text)])
            {
                ResponseId = chunk.Id,
                MessageId = chunk.Id,
                ModelId = chunk.Model,
                CreatedAt = CreatedAt(chunk.Created),
                FinishReason = finish,
            };
            if (usage is not null)
            {
                update.Contents.Add(new UsageContent(usage));
            }

            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? _metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
        // The HttpClient belongs to IHttpClientFactory.
    }

    // Llm:OpenAI:NetworkTimeout covers the whole call, streaming included, not just the wait for the headers.
    private CancellationTokenSource Deadline(CancellationToken cancellationToken)
    {
        var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.NetworkTimeout);
        return deadline;
    }

    private async Task<HttpResponseMessage> SendAsync(IEnumerable<ChatMessage> messages, ChatOptions? chatOptions, bool stream, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(Request(messages, chatOptions, stream), OpenAIJson.Default.CompletionRequest);
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, _completions) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            if (!string.IsNullOrEmpty(options.ApiKey))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
            }

            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            }
            catch (HttpRequestException) when (attempt < options.MaxRetries)
            {
                await Task.Delay(Backoff(attempt, null), cancellationToken);
                continue;
            }

            if (response.IsSuccessStatusCode)
            {
                return response;
            }

            using (response)
            {
                var retryAfter = response.Headers.RetryAfter?.Delta;
                if (attempt < options.MaxRetries && (response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500))
                {
                    await Task.Delay(Backoff(attempt, retryAfter), cancellationToken);
                    continue;
                }

                throw new OpenAIServerException(response.StatusCode, await ErrorMessageAsync(response, cancellationToken), retryAfter);
            }
        }
    }

    private CompletionRequest Request(IEnumerable<ChatMessage> messages, ChatOptions? chatOptions, bool stream)
    {
        var wire = new List<WireMessage>();
        if (!string.IsNullOrEmpty(chatOptions?.Instructions))
        {
            wire.Add(new WireMessage("system", chatOptions.Instructions));
        }

        foreach (var message in messages)
        {
            wire.Add(new WireMessage(message.Role.Value, message.Text));
        }

        return new CompletionRequest(
            chatOptions?.ModelId ?? options.ModelId!,
            wire,
            stream,
            stream ? new StreamOptions(IncludeUsage: true) : null,
            chatOptions?.MaxOutputTokens,
            chatOptions?.Temperature,
            chatOptions?.TopP,
            chatOptions?.StopSequences is { Count: > 0 } stops ? stops : null,
            chatOptions?.Seed,
            chatOptions?.FrequencyPenalty,
            chatOptions?.PresencePenalty);
    }

    // The server's Retry-After when it sends one (capped), otherwise 0.5 s, 1 s, 2 s, ...
    private static TimeSpan Backoff(int attempt, TimeSpan? retryAfter) =>
        retryAfter is { } after
            ? (after < TimeSpan.Zero ? TimeSpan.Zero : after > LongestRetryDelay ? LongestRetryDelay : after)
            : TimeSpan.FromMilliseconds(500 * Math.Pow(2, attempt));

    /// <summary>OpenAI-style servers answer errors as <c>{"error": {"message": "..."}}</c>; anything else is shown as it came.</summary>
    private static async Task<string> ErrorMessageAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            if (JsonSerializer.Deserialize(text, OpenAIJson.Default.Completion)?.Error?.Message is { Length: > 0 } message)
            {
                return message;
            }
        }
        catch (JsonException)
        {
            // Not JSON: a proxy's page, say.
        }

        return text.Length > 500 ? text[..500] : text.Length > 0 ? text : $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
    }

    private static UsageDetails? Usage(WireUsage? usage) => usage is null
        ? null
        : new UsageDetails { InputTokenCount = usage.PromptTokens, OutputTokenCount = usage.CompletionTokens, TotalTokenCount = usage.TotalTokens };

    private static ChatFinishReason? FinishReason(string? reason) => reason switch
    {
        null or "" => null,
        "stop" => ChatFinishReason.Stop,
        "length" => ChatFinishReason.Length,
        "content_filter" => ChatFinishReason.ContentFilter,
        "tool_calls" or "function_call" => ChatFinishReason.ToolCalls,
        _ => new ChatFinishReason(reason),
    };

    private static DateTimeOffset? CreatedAt(long? unixSeconds) => unixSeconds is { } seconds ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;

    private static Uri WithTrailingSlash(Uri endpoint) =>
        endpoint.AbsoluteUri.EndsWith('/') ? endpoint : new Uri(endpoint.AbsoluteUri + "/");
}

/// <summary>A model server's HTTP error: its status, its own message, and how long it asked callers to wait.</summary>
public sealed class OpenAIServerException(HttpStatusCode status, string message, TimeSpan? retryAfter) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;

    public TimeSpan? RetryAfter { get; } = retryAfter;
}
