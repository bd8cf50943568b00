using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using ChatBot.Core;
using LLama;
using LLama.Common;
using LLama.Exceptions;
using LLama.Native;
using LLama.Sampling;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatBot.Llm.LlamaSharp;

// IChatClient over a local GGUF model run in-process by llama.cpp.
//
// Concurrency: the weights are loaded once and shared; each request has a llama.cpp context (its own KV cache) to
// itself while it runs. A context is kept for the next request when its answer ended normally (LlamaModel.Rent: a
// prompt of the same user that starts the same way is not computed again), and wiped between users. LLamaSharp already
// runs one decode step at a time process-wide (a global lock around llama_decode), so concurrent requests interleave
// token by token: both answers stream, each at part speed, instead of the second waiting for the first to finish.
// A semaphore caps how many contexts exist at once (Llm:LlamaSharp:MaxConcurrentRequests), because each one costs a KV cache.
public sealed partial class LlamaSharpChatClient : IChatClient, IPromptFitCheck
{
    private readonly LlamaModelLoader _loader;
    private readonly LlamaSharpOptions _options;
    private readonly SemaphoreSlim _slots;
    private readonly ILogger _logger;
    private readonly ChatClientMetadata _metadata;
    private readonly ModelCatalog _catalog;

    public LlamaSharpChatClient(LlamaModelLoader loader, LlamaSharpOptions options, ILogger<LlamaSharpChatClient>? logger = null)
    {
        // Every model the loader has, the default first; the context window is the configured one (the model's own may be smaller).
        _catalog = new ModelCatalog(loader.ModelIds.Select(id => new ModelInfo(id, id, "llamasharp", options.ContextSize)));
        _loader = loader;
        _options = options;
        _slots = new SemaphoreSlim(options.MaxConcurrentRequests, options.MaxConcurrentRequests);
        _logger = logger ?? NullLogger<LlamaSharpChatClient>.Instance;
        _metadata = new ChatClientMetadata("llamasharp", defaultModelId: loader.ModelId);
    }

    // Built from the stream, so the two paths cannot disagree about text, usage or finish reason.
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // The model stays loaded until this answer is done, even if another request asks for a different one.
        using var lease = await _loader.AcquireAsync(options?.ModelId, cancellationToken);
        var (model, contextSize, maxOutputTokens) = Budget(lease.Model, options);
        var prompt = new ChatPromptBuilder(model).Build(messages, options?.Instructions, contextSize - maxOutputTokens);
        if (prompt.DroppedMessages > 0)
        {
            LogTrimmed(_logger, prompt.DroppedMessages, prompt.Tokens.Length);
        }

        var stops = new StopSequenceMatcher(
            [.. options?.StopSequences ?? [], .. prompt.UsesChatTemplate ? [] : ChatPromptBuilder.PlainFormatStopSequences]);
        var update = new UpdateFactory(Guid.NewGuid().ToString("N"), options?.ModelId ?? _loader.ModelId);
        // A continued answer (the prompt ends with its start) goes on mid-sentence: its first space is part of the text.
        var answer = new LeadingWhitespaceTrimmer(prompt.ContinuesAnswer);

        await _slots.WaitAsync(cancellationToken);

        // The answer is generated on a thread of its own and handed over through a small buffer, so what the caller does
        // with one piece (SSE, HTTP, metrics) overlaps with decoding the next token instead of adding to every token's time,
        // as llama-server's HTTP thread overlaps with its decoding loop. Decoding needs no await, so it runs without a thread
        // pool hop per token. The buffer is small: a reader that falls behind soon pauses the model rather than piling text up.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pieces = Channel.CreateBounded<ChatResponseUpdate>(new BoundedChannelOptions(64) { SingleReader = true, SingleWriter = true });
        var generation = Task.Factory.StartNew(
            () => Generate(new Generation(model, prompt, contextSize, maxOutputTokens, options, stops, update, answer), pieces.Writer, stop.Token),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            while (await pieces.Reader.WaitToReadAsync(cancellationToken))
            {
                while (pieces.Reader.TryRead(out var piece))
                {
                    // Text already generated is not handed out once the caller has stopped.
                    cancellationToken.ThrowIfCancellationRequested();
                    yield return piece;
                }
            }
        }
        finally
        {
            // A caller that stops reading (Stop, a dropped connection) ends the generation; its context is freed (or kept for
            // the next answer, when it ended normally) before the slot is given back.
            await stop.CancelAsync();
            await generation;
            _slots.Release();
        }
    }

    private sealed record Generation(
        LlamaModel Model, ChatPrompt Prompt, int ContextSize, int MaxOutputTokens, ChatOptions? Options,
        StopSequenceMatcher Stops, UpdateFactory Update, LeadingWhitespaceTrimmer Answer);

    // Runs the whole answer, then completes the writer, with the failure if there was one, so the reader sees it.
    private void Generate(Generation g, ChannelWriter<ChatResponseUpdate> output, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        PooledContext? pooled = null;
        var reusable = false;
        try
        {
            pooled = g.Model.Rent((uint)g.ContextSize, _options.Threads, PromptScope.Of(g.Options), g.Prompt.Tokens);
            var outputTokens = 0;
            var finishReason = ChatFinishReason.Length;
            var context = pooled.Context;
            using (new AbortOnCancel(context.NativeHandle, cancellationToken))
            using (var sampler = CreateSampler(g.Options))
            {
                var decoder = new StreamingTokenDecoder(context);
                var batch = new LLamaBatch();

                // The prompt was trimmed to leave MaxOutputTokens free, so the answer always fits in the context.
                DecodePrompt(pooled, batch, g.Prompt.Tokens, cancellationToken);
                while (true)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var token = sampler.Sample(context.NativeHandle, batch.TokenCount - 1);
                    if (token.IsEndOfGeneration(g.Model.Weights.Vocab))
                    {
                        finishReason = ChatFinishReason.Stop;
                        break;
                    }
                    outputTokens++;
                    decoder.Add(token);
                    var text = g.Answer.Next(g.Stops.Push(decoder.Read()));
                    if (text.Length > 0)
                    {
                        Publish(output, g.Update.Text(text), cancellationToken);
                    }

                    if (g.Stops.Stopped)
                    {
                        finishReason = ChatFinishReason.Stop;
                        break;
                    }
                    if (outputTokens == g.MaxOutputTokens)
                    {
                        break;
                    }

                    batch.Clear();
                    batch.Add(token, pooled.Tokens.Count, LLamaSeqId.Zero, logits: true);
                    Decode(context, batch, cancellationToken);
                    pooled.Tokens.Add(token);
                }
            }

            // Every decode finished: the context's state matches its tokens, so the next answer may start from it.
            reusable = true;
            var rest = g.Answer.Next(g.Stops.Flush());
            if (rest.Length > 0)
            {
                Publish(output, g.Update.Text(rest), cancellationToken);
            }

            Publish(output, g.Update.Finish(finishReason, g.Prompt.Tokens.Length, outputTokens), cancellationToken);
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        finally
        {
            if (pooled is not null)
            {
                g.Model.Return(pooled, reusable);
            }

            output.TryComplete(failure);
        }
    }

    // Waits, on the generation's own thread, while the buffer is full.
    private static void Publish(ChannelWriter<ChatResponseUpdate> output, ChatResponseUpdate update, CancellationToken cancellationToken)
    {
        while (!output.TryWrite(update))
        {
            if (!output.WaitToWriteAsync(cancellationToken).AsTask().GetAwaiter().GetResult())
            {
                return;
            }
        }
    }

    // The same build as an answer's, so the check and the answer cannot disagree; tokenizing is cheap next to decoding.
    public async ValueTask EnsureFitsAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        using var lease = await _loader.AcquireAsync(options?.ModelId, cancellationToken);
        var (model, contextSize, maxOutputTokens) = Budget(lease.Model, options);
        new ChatPromptBuilder(model).Build(messages, options?.Instructions, contextSize - maxOutputTokens);
    }

    private (LlamaModel Model, int ContextSize, int MaxOutputTokens) Budget(LlamaModel model, ChatOptions? options)
    {
        var contextSize = Math.Min(_options.ContextSize, model.TrainedContextSize);
        // The app always sets the answer budget (Chat:MaxOutputTokens); a caller that doesn't gets a quarter of the window.
        var maxOutputTokens = options?.MaxOutputTokens ?? Math.Min(1024, contextSize / 4);
        if (maxOutputTokens < 1 || maxOutputTokens >= contextSize)
        {
            throw new ArgumentOutOfRangeException(nameof(options), maxOutputTokens, $"MaxOutputTokens must be between 1 and {contextSize - 1}, the context size less one.");
        }

        return (model, contextSize, maxOutputTokens);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? _metadata
        : serviceType == typeof(ModelCatalog) ? _catalog
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose() => _slots.Dispose();

    private static ISamplingPipeline CreateSampler(ChatOptions? options)
    {
        if (options?.Temperature is 0f)
        {
            return new GreedySamplingPipeline();
        }

        // Unset options fall back to llama.cpp's usual defaults.
        var sampler = new DefaultSamplingPipeline
        {
            Temperature = options?.Temperature ?? 0.8f,
            TopP = options?.TopP ?? 0.95f,
            TopK = options?.TopK ?? 40,
            FrequencyPenalty = options?.FrequencyPenalty ?? 0f,
            PresencePenalty = options?.PresencePenalty ?? 0f,
        };
        if (options?.Seed is { } seed)
        {
            sampler.Seed = unchecked((uint)seed);
        }

        return sampler;
    }

    // Decodes the part of the prompt the context does not hold yet. Decoding in batches keeps a long prompt cancellable
    // between batches; AbortOnCancel stops the batch being computed.
    private static void DecodePrompt(PooledContext pooled, LLamaBatch batch, LLamaToken[] tokens, CancellationToken cancellationToken)
    {
        var batchSize = (int)pooled.Context.BatchSize;
        for (var start = pooled.Tokens.Count; start < tokens.Length; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            batch.Clear();
            var end = Math.Min(start + batchSize, tokens.Length);
            for (var i = start; i < end; i++)
            {
                batch.Add(tokens[i], i, LLamaSeqId.Zero, logits: i == tokens.Length - 1);
            }

            Decode(pooled.Context, batch, cancellationToken);
            pooled.Tokens.AddRange(tokens.AsSpan(start, end - start));
        }
    }

    private static void Decode(LLamaContext context, LLamaBatch batch, CancellationToken cancellationToken)
    {
        var result = context.Decode(batch);
        cancellationToken.ThrowIfCancellationRequested();
        if (result != DecodeResult.Ok)
        {
            throw new LLamaDecodeError(result);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Dropped the {DroppedMessages} oldest messages to fit the context window; the prompt is {PromptTokens} tokens")]
    private static partial void LogTrimmed(ILogger logger, int droppedMessages, int promptTokens);

    // After "Assistant:" a model usually starts with a space or a newline, which a chat window should not show.
    private sealed class LeadingWhitespaceTrimmer(bool started)
    {
        private bool _started = started;

        public string Next(string text)
        {
            if (_started)
            {
                return text;
            }

            text = text.TrimStart();
            _started = text.Length > 0;
            return text;
        }
    }

    // Every update of one answer shares its ids, so ToChatResponse merges them into one message.
    private sealed class UpdateFactory(string responseId, string modelId)
    {
        private readonly DateTimeOffset _createdAt = DateTimeOffset.UtcNow;

        public ChatResponseUpdate Text(string text) => Create([new TextContent(text)]);

        public ChatResponseUpdate Finish(ChatFinishReason reason, int inputTokens, int outputTokens)
        {
            var usage = new UsageDetails { InputTokenCount = inputTokens, OutputTokenCount = outputTokens, TotalTokenCount = inputTokens + outputTokens };
            var update = Create([new UsageContent(usage)]);
            update.FinishReason = reason;
            return update;
        }

        private ChatResponseUpdate Create(IList<AIContent> contents) => new(ChatRole.Assistant, contents)
        {
            ResponseId = responseId,
            MessageId = responseId,
            ModelId = modelId,
            CreatedAt = _createdAt,
        };
    }

    // llama.cpp asks this callback between graph nodes whether to stop, so cancelling a request interrupts even a
    // long prompt evaluation within milliseconds instead of after the current batch.
    private sealed unsafe class AbortOnCancel : IDisposable
    {
        private readonly SafeLLamaContextHandle _context;
        private GCHandle _cancellation;

        public AbortOnCancel(SafeLLamaContextHandle context, CancellationToken cancellationToken)
        {
            _context = context;
            _cancellation = GCHandle.Alloc(new StrongBox<CancellationToken>(cancellationToken));
            NativeApi.llama_set_abort_callback(context, (nint)(delegate* unmanaged[Cdecl]<nint, byte>)&ShouldAbort, GCHandle.ToIntPtr(_cancellation));
        }

        public void Dispose()
        {
            NativeApi.llama_set_abort_callback(_context, 0, 0);
            _cancellation.Free();
        }

        [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
        private static byte ShouldAbort(nint state) =>
            ((StrongBox<CancellationToken>)GCHandle.FromIntPtr(state).Target!).Value.IsCancellationRequested ? (byte)1 : (byte)0;
    }
}
