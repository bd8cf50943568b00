using System.Net.Http;
using System.Text.Json;
using Amazon.Runtime.EventStreams;
using Amazon.Runtime.EventStreams.Internal;
using ChatBot.Core;
using Microsoft.Extensions.AI;

namespace ChatBot.Llm.Bedrock;

/// <summary>
/// Reads a ConverseStream body (<c>application/vnd.amazon.eventstream</c>) chunk by chunk, decodes its binary frames with
/// AWSSDK.Core's <see cref="EventStreamDecoder"/> (which checks both CRCs) and turns each event into updates.
/// </summary>
internal sealed class ConverseStreamReader : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly Stream _body;
    private readonly EventStreamDecoder _decoder = new();
    private readonly byte[] _buffer = new byte[16 * 1024];
    private readonly List<EventStreamMessage> _frames = [];
    private readonly TimeSpan _readTimeout;
    private readonly string _modelId;
    private readonly string _region;
    private readonly string? _responseId;
    private bool _stopped;
    private BedrockFailureException? _pendingFailure;

    private ConverseStreamReader(HttpResponseMessage response, Stream body, TimeSpan readTimeout, string modelId, string region)
    {
        _response = response;
        _body = body;
        _readTimeout = readTimeout;
        _modelId = modelId;
        _region = region;
        _responseId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.FirstOrDefault() : null;
        _decoder.MessageReceived += (_, e) => _frames.Add(e.Message);
    }

    public static async Task<ConverseStreamReader> OpenAsync(
        HttpResponseMessage response, TimeSpan readTimeout, string modelId, string region, CancellationToken cancellationToken)
    {
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (!string.Equals(mediaType, "application/vnd.amazon.eventstream", StringComparison.OrdinalIgnoreCase))
        {
            throw new BedrockFailureException(new BedrockFailure(
                ModelErrorKind.Failed, "UnexpectedContentType",
                $"Amazon Bedrock answered ConverseStream with '{mediaType ?? "no content type"}' instead of an event stream; check Llm:Bedrock:Endpoint.",
                Retryable: false));
        }

        var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        return new ConverseStreamReader(response, body, readTimeout, modelId, region);
    }

    /// <summary>
    /// Reads the next chunk and returns the updates it completes (often none), or null once the model has finished and
    /// the body has ended. Throws <see cref="BedrockFailureException"/> for exception frames, stalls, drops and bad frames.
    /// </summary>
    public async Task<IReadOnlyList<ChatResponseUpdate>?> ReadAsync(CancellationToken cancellationToken)
    {
        if (_pendingFailure is { } pending)
        {
            throw pending;
        }

        int read;
        using (var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            stall.CancelAfter(_readTimeout);
            try
            {
                read = await _body.ReadAsync(_buffer, stall.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw Unavailable("StreamStalled", $"Amazon Bedrock sent nothing for {_readTimeout.TotalSeconds:0.#} s while streaming the answer.");
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
            {
                throw Unavailable("ConnectionLost", $"The connection to Amazon Bedrock was lost while streaming the answer: {ex.Message}", ex);
            }
        }

        if (read == 0)
        {
            return _stopped
                ? null
                : throw Unavailable("StreamTruncated", "Amazon Bedrock ended the stream before the model finished its answer.");
        }

        try
        {
            // Always from offset 0: EventStreamDecoder silently decodes nothing when given a non-zero offset.
            _decoder.ProcessData(_buffer, 0, read);
        }
        catch (Exception ex) when (ex is EventStreamChecksumFailureException or EventStreamValidationException or EventStreamParseException
            or EventStreamDecoderIllegalStateException)
        {
            _pendingFailure = new BedrockFailureException(
                new BedrockFailure(ModelErrorKind.Failed, "CorruptEventStream", $"Amazon Bedrock sent a corrupt event-stream frame: {ex.Message}", Retryable: false),
                ex);
        }

        var updates = new List<ChatResponseUpdate>(_frames.Count);
        foreach (var frame in _frames)
        {
            try
            {
                if (ToUpdate(frame) is { } update)
                {
                    updates.Add(update);
                }
            }
            catch (BedrockFailureException ex)
            {
                _pendingFailure = ex;
                break;
            }
            catch (JsonException ex)
            {
                _pendingFailure = new BedrockFailureException(
                    new BedrockFailure(ModelErrorKind.Failed, "MalformedEvent", $"Amazon Bedrock sent an event that is not JSON: {ex.Message}", Retryable: false),
                    ex);
                break;
            }
        }

        _frames.Clear();

        // Text that arrived in the same chunk as a failure is handed out first, so the caller can keep it and knows
        // the failure came after output (and must not be retried).
        return updates.Count == 0 && _pendingFailure is { } failure ? throw failure : updates;
    }

    private ChatResponseUpdate? ToUpdate(EventStreamMessage frame)
    {
        var messageType = HeaderString(frame, ":message-type");
        if (messageType == "exception")
        {
            var message = ConverseEvents.ReadErrorMessage(frame.Payload ?? []);
            throw new BedrockFailureException(BedrockErrors.FromStreamException(HeaderString(frame, ":exception-type"), message, _modelId, _region));
        }

        if (messageType == "error")
        {
            throw new BedrockFailureException(BedrockErrors.FromStreamException(
                HeaderString(frame, ":error-code"), HeaderString(frame, ":error-message"), _modelId, _region));
        }

        if (messageType != "event")
        {
            return null;
        }

        using var payload = JsonDocument.Parse(frame.Payload is { Length: > 0 } bytes ? bytes : "{}"u8.ToArray());
        var root = payload.RootElement;
        switch (HeaderString(frame, ":event-type"))
        {
            case "contentBlockDelta":
                return ConverseEvents.ReadDelta(root) is { } content ? NewUpdate(content) : null;

            case "messageStop":
                _stopped = true;
                var update = NewUpdate();
                update.FinishReason = ConverseEvents.ToFinishReason(ConverseEvents.ReadStopReason(root));
                return update;

            case "metadata":
                var usage = ConverseEvents.ReadUsage(root);
                var metadata = usage is null ? NewUpdate() : NewUpdate(new UsageContent(usage));
                if (ConverseEvents.ReadLatencyMs(root) is { } latency)
                {
                    metadata.AdditionalProperties = new() { [ConverseEvents.LatencyMsProperty] = latency };
                }

                return metadata;

            default:
                // messageStart, contentBlockStart and contentBlockStop carry nothing ChatBot needs; unknown events are
                // skipped so that new event types do not break old deployments.
                return null;
        }
    }

    private ChatResponseUpdate NewUpdate(params AIContent[] contents) =>
        new(ChatRole.Assistant, [.. contents]) { ModelId = _modelId, ResponseId = _responseId };

    private static string? HeaderString(EventStreamMessage frame, string name) =>
        frame.Headers is not null && frame.Headers.TryGetValue(name, out var header) && header.HeaderType == EventStreamHeaderType.String
            ? header.AsString()
            : null;

    private static BedrockFailureException Unavailable(string type, string message, Exception? inner = null) =>
        new(new BedrockFailure(ModelErrorKind.Unavailable, type, message, Retryable: true), inner);

    public async ValueTask DisposeAsync()
    {
        // Disposing the body mid-stream closes the connection, which is how Bedrock learns that the user stopped.
        await _body.DisposeAsync();
        _response.Dispose();
        _decoder.Dispose();
    }
}
