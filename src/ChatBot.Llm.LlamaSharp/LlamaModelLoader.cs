using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatBot.Llm.LlamaSharp;

// Finds a model file (downloading it on first run if needed) and loads it, keeping one model in memory at a time: a
// request for another model waits until the answers using the loaded one are done, then the loaded one is unloaded and
// the other loaded. Every caller of a model shares the same load; one caller giving up (cancelling) does not cancel it
// for the others.
public sealed partial class LlamaModelLoader : IDisposable
{
    private readonly Dictionary<string, Func<CancellationToken, Task<string>>> _models;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lock _gate = new();
    private string? _loadedId;
    private Task<LlamaModel>? _loading;
    private int _users;
    private TaskCompletionSource? _idle;

    // For a model file that is already on disk.
    public LlamaModelLoader(string modelPath, ILoggerFactory? loggerFactory = null)
        : this(modelPath, _ => Task.FromResult(modelPath), loggerFactory)
    {
    }

    internal LlamaModelLoader(string modelId, Func<CancellationToken, Task<string>> resolveModelPath, ILoggerFactory? loggerFactory)
        : this([new(IdOf(modelId), resolveModelPath)], loggerFactory)
    {
    }

    // The first model is the default. Ids are file names without the extension.
    internal LlamaModelLoader(IReadOnlyList<KeyValuePair<string, Func<CancellationToken, Task<string>>>> models, ILoggerFactory? loggerFactory)
    {
        ModelId = models[0].Key;
        ModelIds = models.Select(m => m.Key).ToArray();
        _models = models.ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal);
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<LlamaModelLoader>();
    }

    // The default model's file name without extension, known before the model is loaded (reported in telemetry).
    public string ModelId { get; }

    // Every model this loader can load, the default first.
    public IReadOnlyList<string> ModelIds { get; }

    public static string IdOf(string pathOrKey) => System.IO.Path.GetFileNameWithoutExtension(pathOrKey);

    // The default model, loaded if it is not (for warm-up and tests; answers hold a lease with AcquireAsync instead).
    public async Task<LlamaModel> GetModelAsync(CancellationToken cancellationToken = default)
    {
        using var lease = await AcquireAsync(null, cancellationToken);
        return lease.Model;
    }

    // The model for one answer, kept loaded until the lease is disposed. Null means the default model.
    public async Task<Lease> AcquireAsync(string? modelId, CancellationToken cancellationToken)
    {
        modelId ??= ModelId;
        if (!_models.TryGetValue(modelId, out var resolve))
        {
            throw new ArgumentException($"There is no model '{modelId}'. Models: {string.Join(", ", ModelIds)}.", nameof(modelId));
        }

        while (true)
        {
            Task? wait = null;
            Task<LlamaModel> loading;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
                var reusable = _loadedId == modelId && _loading is { IsFaulted: false, IsCanceled: false };
                if (!reusable && _users > 0)
                {
                    // Another model is answering: wait until it is idle, then switch.
                    wait = (_idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
                    loading = null!;
                }
                else
                {
                    if (!reusable)
                    {
                        // A failed load (say, offline on first run) is not kept: this caller tries again.
                        Unload();
                        _loadedId = modelId;
                        _loading = LoadAsync(resolve, _disposed.Token);
                    }

                    _users++;
                    loading = _loading!;
                }
            }

            if (wait is not null)
            {
                await wait.WaitAsync(cancellationToken);
                continue;
            }

            try
            {
                return new Lease(this, await loading.WaitAsync(cancellationToken));
            }
            catch
            {
                Release();
                throw;
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested)
            {
                return;
            }

            _disposed.Cancel();
            Unload();
        }
        _disposed.Dispose();
    }

    private void Release()
    {
        lock (_gate)
        {
            if (--_users == 0 && _idle is { } idle)
            {
                _idle = null;
                idle.TrySetResult();
            }
        }
    }

    // Under _gate, with no users.
    private void Unload()
    {
        if (_loading is { IsCompletedSuccessfully: true } loaded)
        {
            LogUnloaded(_logger, _loadedId!);
            loaded.Result.Dispose();
        }
        _loading = null;
        _loadedId = null;
    }

    private async Task<LlamaModel> LoadAsync(Func<CancellationToken, Task<string>> resolve, CancellationToken disposing)
    {
        var path = await resolve(disposing);
        var stopwatch = Stopwatch.StartNew();
        var model = await LlamaModel.LoadAsync(path, _loggerFactory, disposing);
        LogLoadTime(_logger, stopwatch.ElapsedMilliseconds);
        return model;
    }

    // Keeps a model loaded while an answer uses it.
    public sealed class Lease(LlamaModelLoader loader, LlamaModel model) : IDisposable
    {
        private int _disposed;

        public LlamaModel Model { get; } = model;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                loader.Release();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Model ready in {ElapsedMs} ms")]
    private static partial void LogLoadTime(ILogger logger, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Unloaded model {ModelId} to make room for another")]
    private static partial void LogUnloaded(ILogger logger, string modelId);
}
