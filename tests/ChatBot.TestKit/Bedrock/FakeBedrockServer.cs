using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChatBot.TestKit.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ChatBot.TestKit.Bedrock;

/// <summary>One call the fake received, with everything it found wrong about it.</summary>
public sealed class FakeBedrockRequest
{
    internal FakeBedrockRequest(string rawTarget, string? operation, string? modelId, string body, SigV4Verification signature, IReadOnlyList<string> shapeProblems)
    {
        RawTarget = rawTarget;
        Operation = operation;
        ModelId = modelId;
        Body = body;
        Signature = signature;
        ShapeProblems = shapeProblems;
    }

    /// <summary>The request target exactly as sent, still escaped: <c>/model/openai.gpt-oss-20b-1%3A0/converse-stream</c>.</summary>
    public string RawTarget { get; }

    /// <summary><c>converse</c> or <c>converse-stream</c>; null when the path named no Bedrock operation.</summary>
    public string? Operation { get; }

    /// <summary>The model id the path named, unescaped.</summary>
    public string? ModelId { get; }

    public string Body { get; }

    public SigV4Verification Signature { get; }

    /// <summary>Where the path or the JSON body departs from the Converse API.</summary>
    public IReadOnlyList<string> ShapeProblems { get; }

    /// <summary>Everything wrong with the request; empty when AWS would have accepted it.</summary>
    public IEnumerable<string> Problems => Signature.Problems.Concat(ShapeProblems);

    /// <summary>Completes when the exchange ends: true if the client closed the connection before the fake finished answering.</summary>
    public Task<bool> ClientAborted => _ended.Task;

    private readonly TaskCompletionSource<bool> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal void MarkEnded(bool clientAborted) => _ended.TrySetResult(clientAborted);

    public JsonElement Json() => JsonDocument.Parse(Body).RootElement.Clone();
}

/// <summary>
/// A local stand-in for <c>bedrock-runtime.{region}.amazonaws.com</c> that checks every request the way AWS would (a SigV4
/// signature that verifies against known credentials, a correctly escaped model id path, a Converse-shaped JSON body)
/// and answers with genuine binary event-stream frames. Replies are scripted with <see cref="Enqueue"/>.
/// </summary>
public sealed partial class FakeBedrockServer : IAsyncDisposable
{
    /// <summary>Session credentials the fake accepts from the start.</summary>
    public static readonly FakeAwsCredentials TestCredentials = new("AKIAFAKEBEDROCKTEST", "fake+secret/key/for/TESTS/only00000000000", "FakeSessionToken//+==");

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, FakeAwsCredentials> _credentials = new();
    private readonly ConcurrentQueue<FakeBedrockReply> _replies = new();
    private readonly ConcurrentQueue<FakeBedrockRequest> _requests = new();

    private FakeBedrockServer(WebApplication app, Uri endpoint, string region)
    {
        _app = app;
        Endpoint = endpoint;
        Region = region;
        AllowCredentials(TestCredentials);
    }

    public static async Task<FakeBedrockServer> StartAsync(string region = "us-east-1", CancellationToken cancellationToken = default)
    {
        FakeBedrockServer? server = null;
        var (app, endpoint) = await LoopbackWebApp.StartAsync(app => app.Run(context => server!.HandleAsync(context)), cancellationToken);
        server = new FakeBedrockServer(app, endpoint, region);
        return server;
    }

    /// <summary>The base address to use as <c>Llm:Bedrock:Endpoint</c>.</summary>
    public Uri Endpoint { get; }

    /// <summary>The region every signature must be scoped to.</summary>
    public string Region { get; }

    /// <summary>Answers calls that find no scripted reply.</summary>
    public FakeBedrockReply DefaultReply { get; set; } = FakeBedrockReply.Answer("Hello", " from", " Bedrock.");

    /// <summary>Every call received, in order.</summary>
    public IReadOnlyList<FakeBedrockRequest> Requests => [.. _requests];

    public void AllowCredentials(FakeAwsCredentials credentials) => _credentials[credentials.AccessKeyId] = credentials;

    /// <summary>Scripts the replies to the next calls, in order.</summary>
    public void Enqueue(params FakeBedrockReply[] replies)
    {
        foreach (var reply in replies)
        {
            _replies.Enqueue(reply);
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var bodyBuffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(bodyBuffer, context.RequestAborted);
        var body = bodyBuffer.ToArray();

        var rawTarget = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        var headers = context.Request.Headers.SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, v ?? ""))).ToList();
        var signature = SigV4Verifier.Verify(
            new WireRequest(context.Request.Method, rawTarget, headers, body),
            Region,
            "bedrock",
            key => _credentials.TryGetValue(key, out var found) ? found : null,
            DateTimeOffset.UtcNow);

        var shapeProblems = new List<string>();
        var (operation, modelId) = ParseTarget(context.Request.Method, rawTarget, shapeProblems);
        if (operation is not null)
        {
            CheckHeaders(context.Request, operation, shapeProblems);
            ConverseShape.Check(body, shapeProblems);
        }

        var request = new FakeBedrockRequest(rawTarget, operation, modelId, Encoding.UTF8.GetString(body), signature, shapeProblems);
        _requests.Enqueue(request);
        using var registration = context.RequestAborted.Register(() => request.MarkEnded(clientAborted: true));
        try
        {
            if (operation is null)
            {
                await RejectAsync(context, 404, "UnknownOperationException", string.Join(' ', shapeProblems));
            }
            else if (!signature.Verified)
            {
                var type = signature.Problems.Any(p => p.Contains("is not known", StringComparison.Ordinal))
                    ? "UnrecognizedClientException"
                    : "InvalidSignatureException";
                await RejectAsync(context, 403, type, string.Join(' ', signature.Problems));
            }
            else if (shapeProblems.Count > 0)
            {
                await RejectAsync(context, 400, "ValidationException", string.Join(' ', shapeProblems));
            }
            else
            {
                var reply = _replies.TryDequeue(out var scripted) ? scripted : DefaultReply;
                await reply.WriteAsync(context, operation);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away mid-answer; ClientAborted already says so.
        }
        finally
        {
            request.MarkEnded(context.RequestAborted.IsCancellationRequested);
        }
    }

    private static (string? Operation, string? ModelId) ParseTarget(string method, string rawTarget, List<string> problems)
    {
        var match = TargetPattern().Match(rawTarget);
        if (method != "POST" || !match.Success)
        {
            problems.Add($"'{method} {rawTarget}' is not POST /model/{{modelId}}/converse or /converse-stream.");
            return (null, null);
        }

        var segment = match.Groups["model"].Value;
        var modelId = Uri.UnescapeDataString(segment);
        if (segment != Uri.EscapeDataString(modelId))
        {
            problems.Add($"The model id segment '{segment}' is not escaped as one path segment; expected '{Uri.EscapeDataString(modelId)}'.");
        }

        return (match.Groups["operation"].Value, modelId);
    }

    private static void CheckHeaders(HttpRequest request, string operation, List<string> problems)
    {
        if (request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
        {
            problems.Add($"Content-Type is '{request.ContentType}', not application/json.");
        }

        var accept = request.Headers.Accept.ToString();
        var expected = operation == "converse-stream" ? "application/vnd.amazon.eventstream" : "application/json";
        if (!accept.Contains(expected, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"Accept is '{accept}', not {expected}.");
        }
    }

    private static Task RejectAsync(HttpContext context, int status, string errorType, string message) =>
        FakeBedrockReply.Error(status, errorType, message).WriteAsync(context, "converse");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [GeneratedRegex("^/model/(?<model>[^/?]+)/(?<operation>converse|converse-stream)$")]
    private static partial Regex TargetPattern();
}
