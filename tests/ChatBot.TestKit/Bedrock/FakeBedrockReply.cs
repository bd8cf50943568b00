using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace ChatBot.TestKit.Bedrock;

/// <summary>One step of a scripted ConverseStream body.</summary>
public abstract record FakeStreamStep
{
    /// <summary>A <c>contentBlockDelta</c> with answer text.</summary>
    public static FakeStreamStep Text(string text, int block = 0) =>
        new Frame(EventStreamFrames.Event("contentBlockDelta", Json(new { contentBlockIndex = block, delta = new { text }, p = Padding })));

    /// <summary>A <c>contentBlockDelta</c> with reasoning text, as gpt-oss and other reasoning models send before the answer.</summary>
    public static FakeStreamStep Reasoning(string text, int block = 0) =>
        new Frame(EventStreamFrames.Event("contentBlockDelta", Json(new { contentBlockIndex = block, delta = new { reasoningContent = new { text } }, p = Padding })));

    public static FakeStreamStep BlockStop(int block = 0) =>
        new Frame(EventStreamFrames.Event("contentBlockStop", Json(new { contentBlockIndex = block, p = Padding })));

    public static FakeStreamStep Stop(string stopReason = "end_turn") =>
        new Frame(EventStreamFrames.Event("messageStop", Json(new { stopReason, p = Padding })));

    public static FakeStreamStep Metadata(int inputTokens, int outputTokens, int latencyMs = 120) =>
        new Frame(EventStreamFrames.Event("metadata", Json(new
        {
            usage = new { inputTokens, outputTokens, totalTokens = inputTokens + outputTokens },
            metrics = new { latencyMs },
            p = Padding,
        })));

    /// <summary>An <c>:message-type: exception</c> frame, such as <c>throttlingException</c> or <c>modelStreamErrorException</c>.</summary>
    public static FakeStreamStep Exception(string exceptionType, string message) => new Frame(EventStreamFrames.Exception(exceptionType, message));

    /// <summary>An event of a type the client has never heard of.</summary>
    public static FakeStreamStep UnknownEvent(string eventType) => new Frame(EventStreamFrames.Event(eventType, Json(new { p = Padding })));

    /// <summary>A text delta whose message CRC is wrong.</summary>
    public static FakeStreamStep CorruptText(string text)
    {
        var frame = EventStreamFrames.Event("contentBlockDelta", Json(new { contentBlockIndex = 0, delta = new { text } }));
        frame[^1] ^= 0xFF;
        return new Frame(frame);
    }

    /// <summary>Waits before the next step (ends early if the client goes away).</summary>
    public static FakeStreamStep Pause(TimeSpan duration) => new PauseStep(duration);

    /// <summary>Resets the connection, as a network failure would.</summary>
    public static FakeStreamStep Drop() => new DropStep();

    /// <summary>Bedrock pads events with a <c>p</c> field of varying length so their sizes reveal nothing; clients must ignore it.</summary>
    private const string Padding = "abcdefghijklmnopqrstuvwxyzABCDEF";

    internal static string Json(object value) => JsonSerializer.Serialize(value);

    internal sealed record Frame(byte[] Bytes) : FakeStreamStep;

    internal sealed record PauseStep(TimeSpan Duration) : FakeStreamStep;

    internal sealed record DropStep : FakeStreamStep;
}

/// <summary>How the fake answers one call that passed its checks.</summary>
public abstract record FakeBedrockReply
{
    /// <summary>A complete answer: streamed as text deltas for ConverseStream, or one JSON body for Converse.</summary>
    public static FakeBedrockReply Answer(params string[] chunks) => new AnswerReply(chunks, [], "end_turn", 11, chunks.Length);

    /// <summary>A complete answer with usage of the given size.</summary>
    public static FakeBedrockReply Answer(string[] chunks, int inputTokens, int outputTokens, string stopReason = "end_turn") =>
        new AnswerReply(chunks, [], stopReason, inputTokens, outputTokens);

    /// <summary>A reasoning model's answer: reasoning deltas in block 0, then answer text in block 1, as gpt-oss sends them.</summary>
    public static FakeBedrockReply AnswerWithReasoning(string[] reasoning, string[] chunks) =>
        new AnswerReply(chunks, reasoning, "end_turn", 11, reasoning.Length + chunks.Length);

    /// <summary>A ConverseStream body made of exactly these steps, after <c>messageStart</c>.</summary>
    public static FakeBedrockReply Stream(params FakeStreamStep[] steps) => new StreamReply(steps);

    /// <summary>An HTTP error as Bedrock sends it: the status, <c>X-Amzn-ErrorType</c> and a JSON <c>message</c>.</summary>
    public static FakeBedrockReply Error(int status, string errorType, string message) => new ErrorReply(status, errorType, message);

    public static FakeBedrockReply Throttling() => Error(429, "ThrottlingException", "Too many requests, please wait before trying again.");

    public static FakeBedrockReply ServiceUnavailable() => Error(503, "ServiceUnavailableException", "Bedrock is unable to process your request.");

    public static FakeBedrockReply AccessDenied() => Error(403, "AccessDeniedException", "You don't have access to the model with the specified model ID.");

    public static FakeBedrockReply InferenceProfileRequired(string modelId) => Error(400, "ValidationException",
        $"Invocation of model ID {modelId} with on-demand throughput isn’t supported. Retry your request with the ID or ARN of an inference profile that contains this model.");

    public static FakeBedrockReply InputTooLong() => Error(400, "ValidationException", "Input is too long for requested model.");

    public static FakeBedrockReply ResourceNotFound() => Error(404, "ResourceNotFoundException", "Could not resolve the foundation model from the provided model identifier.");

    /// <summary>Waits before sending anything at all (slow first byte), then answers with <paramref name="then"/>.</summary>
    public static FakeBedrockReply Delayed(TimeSpan delay, FakeBedrockReply then) => new DelayedReply(delay, then);

    /// <summary>Resets the connection before any response byte.</summary>
    public static FakeBedrockReply DropConnection() => new DropReply();

    internal abstract Task WriteAsync(HttpContext context, string operation);

    internal static async Task WriteStreamAsync(HttpContext context, IEnumerable<FakeStreamStep> steps)
    {
        var aborted = context.RequestAborted;
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/vnd.amazon.eventstream";
        context.Response.Headers["x-amzn-RequestId"] = context.TraceIdentifier;
        await context.Response.StartAsync(aborted);

        var start = EventStreamFrames.Event("messageStart", FakeStreamStep.Json(new { role = "assistant", p = "abc" }));
        await context.Response.Body.WriteAsync(start, aborted);
        await context.Response.Body.FlushAsync(aborted);
        foreach (var step in steps)
        {
            switch (step)
            {
                case FakeStreamStep.Frame frame:
                    await context.Response.Body.WriteAsync(frame.Bytes, aborted);
                    await context.Response.Body.FlushAsync(aborted);
                    break;
                case FakeStreamStep.PauseStep pause:
                    await Task.Delay(pause.Duration, aborted);
                    break;
                case FakeStreamStep.DropStep:
                    context.Abort();
                    return;
            }
        }
    }

    private sealed record AnswerReply(string[] Chunks, string[] Reasoning, string StopReason, int InputTokens, int OutputTokens) : FakeBedrockReply
    {
        internal override Task WriteAsync(HttpContext context, string operation)
        {
            if (operation == "converse")
            {
                var content = new List<object>();
                if (Reasoning.Length > 0)
                {
                    content.Add(new { reasoningContent = new { reasoningText = new { text = string.Concat(Reasoning) } } });
                }

                content.Add(new { text = string.Concat(Chunks) });
                context.Response.Headers["x-amzn-RequestId"] = context.TraceIdentifier;
                return context.Response.WriteAsJsonAsync(new
                {
                    output = new { message = new { role = "assistant", content } },
                    stopReason = StopReason,
                    usage = new { inputTokens = InputTokens, outputTokens = OutputTokens, totalTokens = InputTokens + OutputTokens },
                    metrics = new { latencyMs = 321 },
                });
            }

            var steps = new List<FakeStreamStep>();
            var block = 0;
            if (Reasoning.Length > 0)
            {
                steps.AddRange(Reasoning.Select(r => FakeStreamStep.Reasoning(r, block)));
                steps.Add(FakeStreamStep.BlockStop(block++));
            }

            steps.AddRange(Chunks.Select(c => FakeStreamStep.Text(c, block)));
            steps.Add(FakeStreamStep.BlockStop(block));
            steps.Add(FakeStreamStep.Stop(StopReason));
            steps.Add(FakeStreamStep.Metadata(InputTokens, OutputTokens));
            return WriteStreamAsync(context, steps);
        }
    }

    private sealed record StreamReply(FakeStreamStep[] Steps) : FakeBedrockReply
    {
        internal override Task WriteAsync(HttpContext context, string operation) => operation == "converse-stream"
            ? WriteStreamAsync(context, Steps)
            : new ErrorReply(500, "InternalServerException", "The fake was scripted with a stream for a Converse call.").WriteAsync(context, operation);
    }

    private sealed record ErrorReply(int Status, string ErrorType, string Message) : FakeBedrockReply
    {
        internal override Task WriteAsync(HttpContext context, string operation)
        {
            context.Response.StatusCode = Status;
            context.Response.Headers["x-amzn-RequestId"] = context.TraceIdentifier;
            context.Response.Headers["X-Amzn-ErrorType"] = $"{ErrorType}:http://internal.amazon.com/coral/com.amazon.bedrock/";
            return context.Response.WriteAsJsonAsync(new { message = Message });
        }
    }

    private sealed record DelayedReply(TimeSpan Delay, FakeBedrockReply Then) : FakeBedrockReply
    {
        internal override async Task WriteAsync(HttpContext context, string operation)
        {
            await Task.Delay(Delay, context.RequestAborted);
            await Then.WriteAsync(context, operation);
        }
    }

    private sealed record DropReply : FakeBedrockReply
    {
        internal override Task WriteAsync(HttpContext context, string operation)
        {
            context.Abort();
            return Task.CompletedTask;
        }
    }
}
