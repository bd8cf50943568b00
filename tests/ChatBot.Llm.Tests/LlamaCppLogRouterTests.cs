using ChatBot.Llm.LlamaSharp;
using LLama.Native;
using Microsoft.Extensions.Logging;

namespace ChatBot.Llm.Tests;

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
            router.Write(LLamaLogLevel.Continue, ".");
        router.Write(LLamaLogLevel.Continue, "\n");
        router.Write(LLamaLogLevel.Info, "done\n");

        Assert.Equal([(LogLevel.Debug, "done")], _logger.Entries);
    }

    [Fact]
    public void Write_WarningsAndErrors_KeepTheirLevel_AndChatterIsDebug()
    {
        var router = new LlamaCppLogRouter(_logger);

        router.Write(LLamaLogLevel.Warning, "bad special token\n");
        router.Write(LLamaLogLevel.Error, "failed to decode\n");
        router.Write(LLamaLogLevel.Info, "print_info: arch = llama\n");

        Assert.Equal(
            [(LogLevel.Warning, "bad special token"), (LogLevel.Error, "failed to decode"), (LogLevel.Debug, "print_info: arch = llama")],
            _logger.Entries);
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
