using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatBot.Llm.LlamaSharp;

// Finds the model file (downloading it on first run if needed) and loads it once for the life of the process.
// Every caller shares the same load; one caller giving up (cancelling) does not cancel it for the others.
public sealed partial class LlamaModelLoader : IDisposable
{
    private readonly Func<CancellationToken, Task<string>> _resolveModelPath;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lock _gate = new();
    private Task<LlamaModel>? _loading;

    // For a model file that is already on disk.
    public LlamaModelLoader(string modelPath, ILoggerFactory? loggerFactory = null)
        : this(modelPath, _ => Task.FromResult(modelPath), loggerFactory)
    {
    }

    internal LlamaModelLoader(string modelId, Func<CancellationToken, Task<string>> resolveModelPath, ILoggerFactory? loggerFactory)
    {
        ModelId = System.IO.Path.GetFileNameWithoutExtension(modelId);
        _resolveModelPath = resolveModelPath;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<LlamaModelLoader>();
    }

    // The model file's name without extension, known before the model is loaded (reported in telemetry).
    public string ModelId { get; }

    public Task<LlamaModel> GetModelAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
            // A failed load (say, offline on first run) is not cached: the next caller tries again.
            if (_loading is null || _loading.IsFaulted || _loading.IsCanceled)
                _loading = LoadAsync(_disposed.Token);
            return _loading.WaitAsync(cancellationToken);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested)
                return;
            _disposed.Cancel();
        }
        if (_loading is { IsCompletedSuccessfully: true } loaded)
            loaded.Result.Dispose();
        _disposed.Dispose();
    }

    private async Task<LlamaModel> LoadAsync(CancellationToken disposing)
    {
        var path = await _resolveModelPath(disposing);
        var stopwatch = Stopwatch.StartNew();
        var model = await LlamaModel.LoadAsync(path, _loggerFactory, disposing);
        LogLoadTime(_logger, stopwatch.ElapsedMilliseconds);
        return model;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Model ready in {ElapsedMs} ms")]
    private static partial void LogLoadTime(ILogger logger, long elapsedMs);
}
