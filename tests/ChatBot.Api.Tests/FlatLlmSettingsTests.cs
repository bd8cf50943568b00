using System.Collections.Concurrent;
using ChatBot.TestKit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace ChatBot.Api.Tests;

/// <summary>Model settings nest under the backend's name; the flat keys of earlier versions still work, with a warning.</summary>
public sealed class FlatLlmSettingsTests
{
    [Fact]
    public async Task Start_WithFlatLlamaSharpKeys_ServesTheModelAndWarnsWithTheNestedKeyNames()
    {
        var settings = TestAppSettings.Model
            .Where(s => s.Key.StartsWith("Llm:LlamaSharp:", StringComparison.Ordinal))
            .SelectMany(s => new KeyValuePair<string, string?>[] { new(s.Key, null), new(s.Key.Replace("Llm:LlamaSharp:", "Llm:", StringComparison.Ordinal), s.Value) })
            .ToDictionary();
        var logs = new CapturedLogs();
        using var app = new ApiTestApp(settings: settings);
        using var started = app.WithWebHostBuilder(web => web.ConfigureLogging(logging => logging.AddProvider(logs)));
        var client = started.CreateClient();
        client.DefaultRequestHeaders.Add("X-ChatBot-User", "alice");
        var conversation = await client.CreateConversationAsync();

        var events = await client.SendStreamingAsync(conversation.Id, new { content = "Hi" });

        Assert.Equal(TinyGgufModel.ExpectedChatAnswer, events[^1].Read<MessageDto>().Content);
        Assert.Contains("The setting Llm:ModelPath is read as Llm:LlamaSharp:ModelPath: rename it (in environment variables, __ stands for :)", logs.Warnings);
        Assert.Contains("The setting Llm:ContextSize is read as Llm:LlamaSharp:ContextSize: rename it (in environment variables, __ stands for :)", logs.Warnings);
    }

    [Fact]
    public async Task Start_WithNestedKeysOnly_LogsNoFlatSettingWarning()
    {
        var logs = new CapturedLogs();
        using var app = new ApiTestApp();
        using var started = app.WithWebHostBuilder(web => web.ConfigureLogging(logging => logging.AddProvider(logs)));

        using var health = await started.CreateClient().GetAsync("/api/health");

        Assert.True(health.IsSuccessStatusCode);
        Assert.DoesNotContain(logs.Warnings, w => w.StartsWith("The setting Llm:", StringComparison.Ordinal));
    }

    private sealed class CapturedLogs : ILoggerProvider, ILogger
    {
        private readonly ConcurrentQueue<string> _warnings = new();

        public IReadOnlyCollection<string> Warnings => _warnings;

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
            {
                _warnings.Enqueue(formatter(state, exception));
            }
        }

        public void Dispose()
        {
        }
    }
}
