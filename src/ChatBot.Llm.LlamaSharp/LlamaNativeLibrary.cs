using System.Runtime.Intrinsics.X86;
using System.Text;
using LLama.Native;
using Microsoft.Extensions.Logging;

namespace ChatBot.Llm.LlamaSharp;

// llama.cpp is a process-wide native library: it is configured once, before the first native call, and after that
// LLamaSharp refuses any change. Every entry point that touches LLamaSharp calls Configure first.
internal static partial class LlamaNativeLibrary
{
    private static readonly Lock Gate = new();
    private static bool _configured;

    public static void Configure(ILoggerFactory loggerFactory)
    {
        lock (Gate)
        {
            if (_configured)
                return;
            _configured = true;

            var router = new LogRouter(loggerFactory.CreateLogger("ChatBot.Llm.LlamaSharp.LlamaCpp"));
            if (NativeLibraryConfig.LLama.LibraryHasLoaded)
            {
                // Someone else loaded llama.cpp first; its library choice stands, but its log can still be routed.
                NativeLogConfig.llama_log_set(router.Write);
                return;
            }

            // CPU only: without these LLamaSharp probes for CUDA and Vulkan builds first. AVX2 is the newest level
            // we ask for: the AVX-512 build gains little for small quantized models and some CPUs slow down under it.
            NativeLibraryConfig.All
                .WithCuda(false)
                .WithVulkan(false)
                .WithAvx(Avx2.IsSupported ? AvxLevel.Avx2 : Avx.IsSupported ? AvxLevel.Avx : AvxLevel.None)
                .WithAutoFallback(true)
                .WithLogCallback(router.Write);
        }
    }

    // llama.cpp (and LLamaSharp's library loader, through the same callback) logs in fragments: a line may arrive
    // in pieces marked "Continue", and model loading prints a row of progress dots. Whole lines are forwarded to
    // ILogger; rows of dots are dropped. Routine chatter (info and debug) is logged at Debug, so a normal run shows
    // only warnings and errors.
    private sealed partial class LogRouter(ILogger logger)
    {
        [ThreadStatic]
        private static StringBuilder? _line;

        [ThreadStatic]
        private static LLamaLogLevel _lineLevel;

        public void Write(LLamaLogLevel level, string message)
        {
            // This runs on llama.cpp's threads, called from native code: an exception here would crash the process.
            try
            {
                var line = _line ??= new StringBuilder();
                if (level != LLamaLogLevel.Continue)
                {
                    if (line.Length > 0)
                        Emit(line);
                    _lineLevel = level;
                }
                line.Append(message);
                if (message.EndsWith('\n'))
                    Emit(line);
            }
            catch (Exception)
            {
                // Losing one log line is better than taking the process down from a native callback.
            }
        }

        private void Emit(StringBuilder line)
        {
            var text = line.ToString().Trim().TrimStart('.').TrimStart();
            line.Clear();
            if (text.Length == 0)
                return;
            switch (_lineLevel)
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

        [LoggerMessage(Level = LogLevel.Error, Message = "{Message}")]
        private static partial void LogError(ILogger logger, string message);

        [LoggerMessage(Level = LogLevel.Warning, Message = "{Message}")]
        private static partial void LogWarning(ILogger logger, string message);

        [LoggerMessage(Level = LogLevel.Debug, Message = "{Message}")]
        private static partial void LogChatter(ILogger logger, string message);
    }
}
