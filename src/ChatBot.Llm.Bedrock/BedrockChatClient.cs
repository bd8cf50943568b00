using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Amazon.Runtime;
using ChatBot.Core;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.Llm.Bedrock;

/// <summary>
/// Amazon Bedrock's Converse (<c>POST /model/{modelId}/converse</c>) and ConverseStream
/// (<c>POST /model/{modelId}/converse-stream</c>) as an <see cref="IChatClient"/>. AWSSDK.BedrockRuntime is not available
/// to this project, so the two calls are made here over an <see cref="HttpClient"/> whose handler signs every request
/// (see <see cref="BedrockServiceCollectionExtensions"/>). Failures surface as <see cref="ModelException"/>.
/// </summary>
public sealed partial class BedrockChatClient : IChatClient
{
    private const int MaxErrorBodyBytes = 64 * 1024;

    private readonly HttpClient _http;
    private readonly BedrockOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<BedrockChatClient> _logger;
    private readonly Uri _endpoint;
    private readonly string _region;
    private readonly ChatClientMetadata _metadata;

    /// <param name="httpClient">Sends to Bedrock; its handler chain must sign with SigV4 for the <c>bedrock</c> service.</param>
    public BedrockChatClient(HttpClient httpClient, IOptions<BedrockOptions> options, TimeProvider time, ILogger<BedrockChatClient> logger)
    {
        _http = httpClient;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _region = _options.Region ?? throw new InvalidOperationException("Llm:Bedrock:Region is required for Llm:Provider=Bedrock.");
        var endpoint = _options.ResolveEndpoint();
        _endpoint = endpoint.AbsoluteUri.EndsWith('/') ? endpoint : new Uri(endpoint.AbsoluteUri + "/");
        _metadata = new ChatClientMetadata("aws.bedrock", _endpoint, _options.ModelId);
    }

    public async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var modelId = options?.ModelId ?? _options.ModelId;
        var body = ConverseRequest.Build(messages, options);
        var retries = new RetrySchedule(_options);

        while (true)
        {
            BedrockFailure failure;
            try
            {
                using var response = await SendAsync("converse", modelId, body, "application/json", cancellationToken);
                return await ReadConverseResponseAsync(response, modelId, cancellationToken);
            }
            catch (BedrockFailureException ex)
            {
                failure = ex.Failure;
            }

            await BackOffOrThrowAsync(failure, retries, modelId, cancellationToken);
        }
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var modelId = options?.ModelId ?? _options.ModelId;
        var body = ConverseRequest.Build(messages, options);
        var retries = new RetrySchedule(_options);

        while (true)
        {
            BedrockFailure? failure = null;
            ConverseStreamReader? reader = null;
            try
            {
                var response = await SendAsync("converse-stream", modelId, body, "application/vnd.amazon.eventstream", cancellationToken);
                try
                {
                    reader = await ConverseStreamReader.OpenAsync(response, _options.ResponseTimeout, modelId, _region, cancellationToken);
                }
                finally
                {
                    if (reader is null)
                    {
                        response.Dispose();
                    }
                }
            }
            catch (BedrockFailureException ex)
            {
                failure = ex.Failure;
            }

            if (reader is not null)
            {
                await using (reader)
                {
                    var streamed = false;
                    while (true)
                    {
                        IReadOnlyList<ChatResponseUpdate>? updates;
                        try
                        {
                            updates = await reader.ReadAsync(cancellationToken);
                        }
                        catch (BedrockFailureException ex)
                        {
                            failure = ex.Failure;
                            break;
                        }

                        if (updates is null)
                        {
                            yield break;
                        }

                        foreach (var update in updates)
                        {
                            streamed |= update.Contents.Count > 0;
                            yield return update;
                        }
                    }

                    if (streamed)
                    {
                        // Part of the answer is out; a retry would repeat it, so the caller keeps what it has as failed.
                        LogFailedMidStream(_logger, failure.ErrorType, modelId);
                        throw ToModelException(failure, retries, modelId);
                    }
                }
            }

            await BackOffOrThrowAsync(failure!, retries, modelId, cancellationToken);
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? _metadata
        : serviceType == typeof(ChatBot.Core.ModelCatalog) ? BedrockModels.Catalog(_options)
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    /// <summary>The <see cref="HttpClient"/> belongs to the container or the caller that passed it in.</summary>
    public void Dispose()
    {
    }

    /// <summary>Sends one attempt and returns a successful response; any failure is classified as a <see cref="BedrockFailureException"/>.</summary>
    private async Task<HttpResponseMessage> SendAsync(string operation, string modelId, byte[] body, string accept, CancellationToken cancellationToken)
    {
        // Model ids contain ':' (and ARNs '/'), so the id is one escaped path segment; the signer escapes it again for the
        // canonical request, as SigV4 does for every service but S3.
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_endpoint, $"model/{Uri.EscapeDataString(modelId)}/{operation}"))
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ResponseTimeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new BedrockFailureException(new BedrockFailure(
                ModelErrorKind.Unavailable, "ResponseTimeout",
                $"Amazon Bedrock did not start answering within {_options.ResponseTimeout.TotalSeconds:0.#} s.", Retryable: true));
        }
        catch (HttpRequestException ex)
        {
            throw new BedrockFailureException(
                new BedrockFailure(ModelErrorKind.Unavailable, "ConnectionFailed", $"Could not reach Amazon Bedrock at {_endpoint}: {ex.Message}", Retryable: true),
                ex);
        }
        catch (AmazonClientException ex)
        {
            // The signing handler resolves credentials on every send; this is where a missing or broken chain shows.
            throw new BedrockFailureException(
                new BedrockFailure(
                    ModelErrorKind.AccessDenied, "NoCredentials",
                    $"ChatBot found no usable AWS credentials to call Amazon Bedrock: {ex.Message} Run it with an IAM role (Lambda, ECS) or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.",
                    Retryable: false),
                ex);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            byte[] errorBody;
            try
            {
                errorBody = await ReadLimitedAsync(response.Content, MaxErrorBodyBytes, timeout.Token);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                errorBody = [];
            }

            var errorType = response.Headers.TryGetValues("X-Amzn-ErrorType", out var types) ? types.FirstOrDefault() : null;
            throw new BedrockFailureException(BedrockErrors.FromHttp(
                response.StatusCode,
                errorType ?? ConverseEvents.ReadErrorType(errorBody),
                ConverseEvents.ReadErrorMessage(errorBody),
                modelId,
                _region));
        }
    }

    private async Task<ChatResponse> ReadConverseResponseAsync(HttpResponseMessage response, string modelId, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ResponseTimeout);
        JsonDocument document;
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            document = await JsonDocument.ParseAsync(body, cancellationToken: timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new BedrockFailureException(new BedrockFailure(
                ModelErrorKind.Unavailable, "ResponseTimeout", "Amazon Bedrock stopped sending its answer part-way.", Retryable: true));
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            throw new BedrockFailureException(
                new BedrockFailure(ModelErrorKind.Unavailable, "ConnectionLost", $"The connection to Amazon Bedrock was lost: {ex.Message}", Retryable: true), ex);
        }
        catch (JsonException ex)
        {
            throw new BedrockFailureException(
                new BedrockFailure(ModelErrorKind.Failed, "MalformedResponse", $"Amazon Bedrock answered Converse with malformed JSON: {ex.Message}", Retryable: false), ex);
        }

        using (document)
        {
            var root = document.RootElement;
            var message = new ChatMessage(ChatRole.Assistant, ConverseEvents.ReadOutputContents(root));
            var chatResponse = new ChatResponse(message)
            {
                ModelId = modelId,
                ResponseId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.FirstOrDefault() : null,
                FinishReason = ConverseEvents.ToFinishReason(ConverseEvents.ReadStopReason(root)),
                Usage = ConverseEvents.ReadUsage(root),
            };
            if (ConverseEvents.ReadLatencyMs(root) is { } latency)
            {
                chatResponse.AdditionalProperties = new() { [ConverseEvents.LatencyMsProperty] = latency };
            }

            return chatResponse;
        }
    }

    private async Task BackOffOrThrowAsync(BedrockFailure failure, RetrySchedule retries, string modelId, CancellationToken cancellationToken)
    {
        if (!failure.Retryable || !retries.TryNext(out var delay))
        {
            LogGaveUp(_logger, failure.ErrorType, modelId, retries.Retries);
            throw ToModelException(failure, retries, modelId);
        }

        LogRetrying(_logger, failure.ErrorType, modelId, delay.TotalMilliseconds, retries.Retries);
        await Task.Delay(delay, _time, cancellationToken);
    }

    private static ModelException ToModelException(BedrockFailure failure, RetrySchedule retries, string modelId)
    {
        var retryAfter = failure.Kind is ModelErrorKind.Throttled or ModelErrorKind.Unavailable ? retries.SuggestedRetryAfter() : (TimeSpan?)null;
        return new ModelException(failure.Kind, failure.Message, retryAfter, new BedrockFailureException(failure));
    }

    private static async Task<byte[]> ReadLimitedAsync(HttpContent content, int limit, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[limit];
        var total = 0;
        int read;
        while (total < limit && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += read;
        }

        return buffer[..total];
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Amazon Bedrock answered {ErrorType} for model {ModelId}; retrying in {DelayMs:0} ms (retry {Retry})")]
    private static partial void LogRetrying(ILogger logger, string errorType, string modelId, double delayMs, int retry);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Amazon Bedrock call for model {ModelId} failed with {ErrorType} after {Retries} retries")]
    private static partial void LogGaveUp(ILogger logger, string errorType, string modelId, int retries);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Amazon Bedrock stream for model {ModelId} failed with {ErrorType} after part of the answer was sent")]
    private static partial void LogFailedMidStream(ILogger logger, string errorType, string modelId);
}
