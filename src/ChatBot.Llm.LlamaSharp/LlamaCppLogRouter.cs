using System.Diagnostics.CodeAnalysis;
using System.Text;
using LLama.Native;
using Microsoft.Extensions.Logging;

namespace ChatBot.Llm.LlamaSharp;

// llama.cpp (and LLamaSharp's library loader, through the same callback) logs in fragments: a line may arrive
// in pieces marked "Continue", and model loading prints a row of progress dots. Whole lines are forwarded to
// ILogger; rows of dots are dropped. Routine chatter (info and debug) is logged at Debug, so a normal run shows
// only warnings and errors, and of those only the ones that mean something is wrong (see IsExpected).
[SuppressMessage("Design", "CA1001", Justification = "llama.cpp calls it until the process exits; there is no point at which to dispose it.")]
internal sealed partial class LlamaCppLogRouter(ILogger logger)
{
    // Fragments of one line come from one thread; lines from different threads must not interleave.
    private readonly ThreadLocal<PendingLine> _pending = new(() => new PendingLine());

    public void Write(LLamaLogLevel level, string message)
    {
        // This runs on llama.cpp's threads, called from native code: an exception here would crash the process.
        try
        {
            var pending = _pending.Value!;
            if (level != LLamaLogLevel.Continue)
            {
                Emit(pending);
                pending.Level = level;
            }
            pending.Text.Append(message);
            if (message.EndsWith('\n'))
            {
                Emit(pending);
            }
        }
        catch (Exception)
        {
            // Losing one log line is better than taking the process down from a native callback.
        }
    }

    private void Emit(PendingLine pending)
    {
        var text = pending.Text.ToString().Trim().TrimStart('.').TrimStart();
        pending.Text.Clear();
        if (text.Length == 0)
        {
            return;
        }

        switch (IsExpected(text) ? LLamaLogLevel.Debug : pending.Level)
        {
            case LLamaLogLevel.Error:
                LogError(logger, text);
                break;
            case LLamaLogLevel.Warning:
                LogWarning(logger, text);
                break;
            default:
                LogChatter(logger, text);
                break;
        }
    }

    /// <summary>
    /// Errors and warnings llama.cpp prints in normal use, which a reader would take for crashes:
    /// Stop aborts the decode through the abort callback, and llama.cpp then reports the ggml status ABORTED (1) from
    /// each level of the call (graph_compute, process_ubatch) and llama_decode's code for it (2), then warns that it
    /// removes the aborted batch's cache entries; real failures have other codes and stay errors. And many GGUF files leave optional special tokens unset, which llama.cpp warns about on every load.
    /// </summary>
    private static bool IsExpected(string text) =>
        text.EndsWith("ggml_backend_sched_graph_compute_async failed with error 1", StringComparison.Ordinal)
        || text.EndsWith("failed to compute graph, compute status: 1", StringComparison.Ordinal)
        || text.EndsWith("failed to decode, ret = 2", StringComparison.Ordinal)
        || text.Contains("decode: removing memory module entries for seq_id", StringComparison.Ordinal)
        || text.Contains(": bad special token: ", StringComparison.Ordinal);

    private sealed class PendingLine
    {
        public StringBuilder Text { get; } = new();

        public LLamaLogLevel Level { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Message}")]
    private static partial void LogError(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Message}")]
    private static partial void LogWarning(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Message}")]
    private static partial void LogChatter(ILogger logger, string message);
}
