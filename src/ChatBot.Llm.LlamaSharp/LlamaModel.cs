using System.Runtime.InteropServices;
using LLama;
using LLama.Common;
using LLama.Exceptions;
using LLama.Native;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatBot.Llm.LlamaSharp;

// A GGUF model's weights, loaded once and shared by every request (each request gets a context of its own).
public sealed partial class LlamaModel : IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<PooledContext> _idle = [];
    private bool _disposed;

    private LlamaModel(string path, LLamaWeights weights, string? chatTemplate)
    {
        Path = path;
        Weights = weights;
        ChatTemplate = chatTemplate;
    }

    public string Path { get; }

    // The model's chat template when llama.cpp knows how to apply it; null means prompts use the plain format.
    public string? ChatTemplate { get; }

    public int TrainedContextSize => Weights.ContextSize;

    internal LLamaWeights Weights { get; }

    public static async Task<LlamaModel> LoadAsync(string path, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        loggerFactory ??= NullLoggerFactory.Instance;
        LlamaNativeLibrary.Configure(loggerFactory);
        var logger = loggerFactory.CreateLogger<LlamaModel>();

        LLamaWeights weights;
        try
        {
            // GPU layers stay at 0: only the CPU backend is shipped, and llama.cpp would otherwise look for devices.
            weights = await LLamaWeights.LoadFromFileAsync(new ModelParams(path) { GpuLayerCount = 0 }, cancellationToken);
        }
        catch (TypeInitializationException e) when (e.InnerException is RuntimeError)
        {
            throw new InvalidOperationException(
                "llama.cpp's native library could not be loaded. The executable project must reference the " +
                "LLamaSharp.Backend.Cpu package and set a RuntimeIdentifier (e.g. linux-x64).", e);
        }
        catch (LoadWeightsFailedException e)
        {
            throw new ChatBot.Core.StartupException(
                $"Llm:LlamaSharp:ModelPath is '{path}', which llama.cpp could not load. Point it at a GGUF model of an architecture llama.cpp supports, or remove it to download the default model.", e);
        }

        var template = FindUsableTemplate(weights);
        LogLoaded(logger, path, template is null ? "plain" : "the model's chat template");
        return new LlamaModel(path, weights, template);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (var idle in _idle)
            {
                idle.Context.Dispose();
            }

            _idle.Clear();
        }

        Weights.Dispose();
    }

    /// <summary>
    /// A context for one answer: one left idle by an earlier answer when there is one, else a new one. Creating a context
    /// costs about a millisecond (its buffers and compute graph), and an idle one still holds its last prompt's KV state:
    /// a prompt of the same <paramref name="scope"/> that starts with the same tokens (the system prompt, the
    /// conversation so far) is not computed again. Between scopes the state is wiped, so one user's prompt never speeds up
    /// or slows down another's (a timing signal of what someone else asked).
    /// </summary>
    internal PooledContext Rent(uint contextSize, int threads, string? scope, ReadOnlySpan<LLamaToken> prompt)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            PooledContext? best = null;
            var bestShared = -1;
            foreach (var idle in _idle)
            {
                if (idle.Context.ContextSize != contextSize || idle.Threads != threads)
                {
                    continue;
                }

                var shared = scope is not null && idle.Scope == scope ? idle.SharedPrefix(prompt) : 0;
                if (shared > bestShared)
                {
                    (best, bestShared) = (idle, shared);
                }
            }

            if (best is not null)
            {
                _idle.Remove(best);
                best.Reset(scope, bestShared);
                return best;
            }
        }

        var context = Weights.CreateContext(new ModelParams(Path) { ContextSize = contextSize, Threads = threads, BatchThreads = threads });
        return new PooledContext(context, threads, scope);
    }

    /// <summary>Keeps a context whose answer ended normally for the next answer; one in an unknown state is freed.</summary>
    internal void Return(PooledContext context, bool reusable)
    {
        lock (_gate)
        {
            if (reusable && !_disposed)
            {
                _idle.Add(context);
                return;
            }
        }

        context.Context.Dispose();
    }

    // llama.cpp does not run the Jinja template stored in the file: it recognises well-known templates by their
    // markers and formats them natively. A template it does not recognise is as good as none.
    private static string? FindUsableTemplate(LLamaWeights weights)
    {
        var template = weights.NativeHandle.GetTemplate(name: null, strict: false);
        if (template is null)
        {
            return null;
        }

        try
        {
            new LLamaTemplate(template) { AddAssistant = true }.Add("user", "hi").Apply();
            return template;
        }
        catch (MissingTemplateException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded model {Path}; prompts use the {PromptFormat} format")]
    private static partial void LogLoaded(ILogger logger, string path, string promptFormat);
}

/// <summary>A llama.cpp context and the tokens whose KV state it holds in sequence 0, in order from position 0.</summary>
internal sealed class PooledContext(LLamaContext context, int threads, string? scope)
{
    public LLamaContext Context { get; } = context;

    public int Threads { get; } = threads;

    public string? Scope { get; private set; } = scope;

    /// <summary>The tokens in the KV cache; the next one decoded goes at position <c>Tokens.Count</c>.</summary>
    public List<LLamaToken> Tokens { get; } = [];

    /// <summary>How many of the prompt's first tokens are already computed, leaving at least one to decode (for its logits).</summary>
    public int SharedPrefix(ReadOnlySpan<LLamaToken> prompt) =>
        Math.Min(CollectionsMarshal.AsSpan(Tokens).CommonPrefixLength(prompt), Math.Max(prompt.Length - 1, 0));

    /// <summary>Keeps the first <paramref name="keep"/> tokens' state and drops the rest.</summary>
    public void Reset(string? scope, int keep)
    {
        Scope = scope;
        if (keep > 0 && !Context.NativeHandle.ModelHandle.IsRecurrent)
        {
            // llama.cpp refuses to drop part of a sequence from memory it cannot cut (recurrent state); the check catches that.
            Context.NativeHandle.MemorySequenceRemove(LLamaSeqId.Zero, keep, -1);
            if (Context.NativeHandle.MemorySequenceMaxPosition(LLamaSeqId.Zero) == keep - 1)
            {
                Tokens.RemoveRange(keep, Tokens.Count - keep);
                return;
            }
        }

        // Nothing to keep, or memory that cannot drop a tail: start from nothing.
        Context.NativeHandle.MemoryClear();
        Tokens.Clear();
    }
}
