using ChatBot.Llm.LlamaSharp;
using LLama.Native;
using Microsoft.Extensions.Logging;

namespace ChatBot.Llm.LlamaSharp.Tests;

public sealed class LlamaCppLogRouterTests
{
    private readonly RecordingLogger _logger = new();

    [Fact]
    public void Write_LineInFragments_IsLoggedOnceWhole()
    {
        var router = new LlamaCppLogRouter(_logger);

        router.Write(LLamaLogLevel.Info, "llama_context: n_ctx ");
        router.Write(LLamaLogLevel.Continue, "= 512");
        router.Write(LLamaLogLevel.Continue, "\n");

        Assert.Equal([(LogLevel.Debug, "llama_context: n_ctx = 512")], _logger.Entries);
    }

    [Fact]
    public void Write_ProgressDots_AreDropped()
    {
        var router = new LlamaCppLogRouter(_logger);

        for (var i = 0; i < 20; i++)
        {
            router.Write(LLamaLogLevel.Continue, ".");
        }

        router.Write(LLamaLogLevel.Continue, "\n");
        router.Write(LLamaLogLevel.Info, "done\n");

        Assert.Equal([(LogLevel.Debug, "done")], _logger.Entries);
    }

    [Fact]
    public void Write_WarningsAndErrors_KeepTheirLevel_AndChatterIsDebug()
    {
        var router = new LlamaCppLogRouter(_logger);

        router.Write(LLamaLogLevel.Warning, "llama_context: n_ctx_per_seq (512) < n_ctx_train (2048)\n");
        router.Write(LLamaLogLevel.Error, "llama_decode: failed to decode, ret = -1\n");
        router.Write(LLamaLogLevel.Info, "print_info: arch = llama\n");

        Assert.Equal(
            [
                (LogLevel.Warning, "llama_context: n_ctx_per_seq (512) < n_ctx_train (2048)"),
                (LogLevel.Error, "llama_decode: failed to decode, ret = -1"),
                (LogLevel.Debug, "print_info: arch = llama"),
            ],
            _logger.Entries);
    }

    [Fact]
    public void Write_DecodeAbortedByStop_IsDebug_ButOtherComputeFailuresStayErrors()
    {
        var router = new LlamaCppLogRouter(_logger);

        // What llama.cpp prints when Stop aborts a decode (ggml status ABORTED = 1; llama_decode returns 2).
        router.Write(LLamaLogLevel.Error, "graph_compute: ggml_backend_sched_graph_compute_async failed with error 1\n");
        router.Write(LLamaLogLevel.Error, "process_ubatch: failed to compute graph, compute status: 1\n");
        router.Write(LLamaLogLevel.Error, "llama_decode: failed to decode, ret = 2\n");
        // The rollback of the aborted batch's cache entries that follows.
        router.Write(LLamaLogLevel.Warning, "decode: removing memory module entries for seq_id = 0, pos = [89, +inf)\n");
        // A real failure: ggml status FAILED = -1.
        router.Write(LLamaLogLevel.Error, "graph_compute: ggml_backend_sched_graph_compute_async failed with error -1\n");

        Assert.Equal([LogLevel.Debug, LogLevel.Debug, LogLevel.Debug, LogLevel.Debug, LogLevel.Error], _logger.Entries.Select(e => e.Level));
    }

    [Fact]
    public void Write_UnsetSpecialTokenWarningAtLoad_IsDebug()
    {
        var router = new LlamaCppLogRouter(_logger);

        router.Write(LLamaLogLevel.Warning, "load: bad special token: 'tokenizer.ggml.seperator_token_id' = 4294967295, using default id -1\n");

        Assert.Equal(LogLevel.Debug, Assert.Single(_logger.Entries).Level);
    }

    private sealed class RecordingLogger : ILogger
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, formatter(state, exception)));
    }
}
