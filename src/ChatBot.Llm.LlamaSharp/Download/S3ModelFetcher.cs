using System.Buffers;
using System.Diagnostics;
using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;

namespace ChatBot.Llm.LlamaSharp.Download;

// Copies a GGUF model from S3 to a local file: the cold-start step of the API running the model inside Lambda.
//
// The object is read as fixed-size byte ranges, several at once, each written at its own offset into
// "<file>.partial"; the file is moved into place only when every byte arrived and it starts with the GGUF magic, so
// the destination never holds half a model. Every range asks for the ETag the first HEAD saw, so an object replaced
// mid-copy fails the copy instead of mixing two models. A range that breaks off is fetched again, whole.
//
// "<file>.etag" records which object version the file is a copy of. A later start whose HEAD sees the same ETag and
// size keeps the file: the process restarting inside one Lambda execution environment, or a developer's machine,
// does not copy hundreds of megabytes again. A replaced object (new ETag) is copied again.
public sealed partial class S3ModelFetcher(IAmazonS3 s3, ILogger<S3ModelFetcher>? logger = null)
{
    private const int MaxAttemptsPerPart = 3;

    private readonly ILogger _logger = logger ?? NullLogger<S3ModelFetcher>.Instance;

    // 16 MiB ranges: large enough that per-request latency is noise, small enough that a retry repeats little.
    internal long PartSize { get; set; } = 16L << 20;

    public int Concurrency { get; init; } = 8;

    // Makes destinationPath a complete copy of source. Returns false when the copy already there was kept.
    public async Task<bool> FetchAsync(S3ObjectUri source, string destinationPath, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var stopwatch = Stopwatch.StartNew();
        var (size, etag) = await HeadAsync(source, cancellationToken);
        var etagPath = destinationPath + ".etag";
        if (await IsCopyOfAsync(destinationPath, etagPath, size, etag, cancellationToken))
        {
            LogKept(_logger, source, destinationPath);
            return false;
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(destinationPath))!;
        Directory.CreateDirectory(directory);
        var free = new DriveInfo(directory).AvailableFreeSpace;
        if (free < size)
        {
            throw new ModelDownloadException(
                $"The model {source} is {size >> 20} MB but only {free >> 20} MB are free in {directory}. " +
                "On Lambda, raise the function's ephemeral storage (/tmp); elsewhere point Llm:LlamaSharp:ModelPath at a bigger disk.");
        }

        LogStarting(_logger, source, size >> 20, destinationPath);
        var partialPath = destinationPath + ".partial";
        var progress = new Progress(_logger, source, size, stopwatch);
        try
        {
            using (var file = File.OpenHandle(partialPath, FileMode.Create, FileAccess.Write, FileShare.None, FileOptions.Asynchronous, preallocationSize: size))
            {
                var parts = (int)((size + PartSize - 1) / PartSize);
                await Parallel.ForEachAsync(
                    Enumerable.Range(0, parts),
                    new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken },
                    async (part, token) =>
                    {
                        var from = part * PartSize;
                        var to = Math.Min(size, from + PartSize) - 1;
                        await FetchPartAsync(source, etag, file, from, to, progress, token);
                    });
            }

            if (!await ModelDownloader.StartsWithGgufMagicAsync(partialPath, cancellationToken))
            {
                throw new ModelDownloadException($"The object {source} is not a GGUF model (it does not start with \"GGUF\"). Check Llm:LlamaSharp:ModelS3Uri.");
            }

            // The old record goes first: a crash between these steps leaves a file with no record, which is copied again.
            File.Delete(etagPath);
            File.Move(partialPath, destinationPath, overwrite: true);
            await File.WriteAllTextAsync(etagPath, etag, cancellationToken);
        }
        catch
        {
            // Unlike an HTTP download there is no resuming across runs: on Lambda the next run has a fresh /tmp anyway.
            File.Delete(partialPath);
            throw;
        }

        var rate = RateMbPerSecond(size, stopwatch);
        LogDone(_logger, source, destinationPath, stopwatch.ElapsedMilliseconds, rate);
        return true;
    }

    private static async Task<bool> IsCopyOfAsync(string path, string etagPath, long size, string etag, CancellationToken cancellationToken) =>
        File.Exists(path) && File.Exists(etagPath)
        && new FileInfo(path).Length == size
        && await File.ReadAllTextAsync(etagPath, cancellationToken) == etag;

    private async Task<(long Size, string ETag)> HeadAsync(S3ObjectUri source, CancellationToken cancellationToken)
    {
        try
        {
            var head = await s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = source.Bucket, Key = source.Key }, cancellationToken);
            return (head.ContentLength, head.ETag);
        }
        catch (AmazonServiceException e)
        {
            throw Explain(source, e);
        }
        catch (HttpRequestException e)
        {
            throw new ModelDownloadException($"Reading the model {source} failed: S3 could not be reached ({e.Message}).", e);
        }
    }

    private async Task FetchPartAsync(S3ObjectUri source, string etag, SafeFileHandle file, long from, long to, Progress progress, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 17);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var offset = from;
                try
                {
                    using var response = await s3.GetObjectAsync(new GetObjectRequest
                    {
                        BucketName = source.Bucket,
                        Key = source.Key,
                        ByteRange = new ByteRange(from, to),
                        EtagToMatch = etag,
                    }, cancellationToken);
                    await using var body = response.ResponseStream;
                    int read;
                    while (offset <= to && (read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                    {
                        await RandomAccess.WriteAsync(file, buffer.AsMemory(0, read), offset, cancellationToken);
                        offset += read;
                    }

                    if (offset != to + 1)
                    {
                        throw new IOException($"S3 sent {offset - from} of the {to - from + 1} bytes asked for");
                    }

                    progress.Add(to - from + 1);
                    return;
                }
                catch (AmazonServiceException e) when (e.StatusCode == HttpStatusCode.PreconditionFailed)
                {
                    throw new ModelDownloadException($"The model {source} was replaced while it was being copied. Start again.", e);
                }
                catch (Exception e) when (attempt < MaxAttemptsPerPart && IsTransient(e) && !cancellationToken.IsCancellationRequested)
                {
                    LogRetrying(_logger, from, to, e.Message, attempt, MaxAttemptsPerPart);
                }
                catch (AmazonServiceException e)
                {
                    throw Explain(source, e);
                }
                catch (Exception e) when (e is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
                {
                    throw new ModelDownloadException($"Copying the model from {source} failed: {e.Message}.", e);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool IsTransient(Exception e) => e switch
    {
        IOException or HttpRequestException => true,
        AmazonServiceException s => s.StatusCode >= HttpStatusCode.InternalServerError || s.StatusCode == HttpStatusCode.RequestTimeout,
        _ => false,
    };

    // One line a person can act on. HEAD answers carry no error body, so the status code is what tells these apart.
    private static ModelDownloadException Explain(S3ObjectUri source, AmazonServiceException e) => e.StatusCode switch
    {
        HttpStatusCode.NotFound => new ModelDownloadException(
            $"The model {source} does not exist (S3 answered 404 NoSuchKey or NoSuchBucket). Check Llm:LlamaSharp:ModelS3Uri, or upload the model there.", e),
        HttpStatusCode.Forbidden => new ModelDownloadException(
            $"Reading the model {source} was denied (S3 answered 403 AccessDenied). The role this runs as needs s3:GetObject on that " +
            "object (and kms:Decrypt if the bucket uses a customer-managed key).", e),
        _ => new ModelDownloadException($"Reading the model {source} failed: S3 answered {(int)e.StatusCode} {e.ErrorCode}: {e.Message}", e),
    };

    private static double RateMbPerSecond(long bytes, Stopwatch stopwatch) => bytes / 1_048_576d / Math.Max(stopwatch.Elapsed.TotalSeconds, 0.001);

    // Logs at every tenth of the object, so a cold start's log shows the copy moving without a line per range.
    private sealed class Progress(ILogger logger, S3ObjectUri source, long size, Stopwatch stopwatch)
    {
        private long _received;
        private int _lastTenth;

        public void Add(long bytes)
        {
            var received = Interlocked.Add(ref _received, bytes);
            var tenth = (int)(received * 10 / Math.Max(size, 1));
            var last = Volatile.Read(ref _lastTenth);
            if (tenth > last && tenth < 10 && Interlocked.CompareExchange(ref _lastTenth, tenth, last) == last)
            {
                var rate = RateMbPerSecond(received, stopwatch);
                LogProgress(logger, source, tenth * 10, received >> 20, rate);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Using the copy of the model {Source} already at {Destination}")]
    private static partial void LogKept(ILogger logger, S3ObjectUri source, string destination);

    [LoggerMessage(Level = LogLevel.Information, Message = "Copying the model {Source} ({SizeMb} MB) to {Destination}")]
    private static partial void LogStarting(ILogger logger, S3ObjectUri source, long sizeMb, string destination);

    [LoggerMessage(Level = LogLevel.Information, Message = "Copying the model {Source}: {Percent}% ({ReceivedMb} MB, {RateMbPerSecond:0.0} MB/s)")]
    private static partial void LogProgress(ILogger logger, S3ObjectUri source, int percent, long receivedMb, double rateMbPerSecond);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bytes {From}-{To} of the model broke off ({Reason}); attempt {Attempt} of {MaxAttempts}")]
    private static partial void LogRetrying(ILogger logger, long from, long to, string reason, int attempt, int maxAttempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Copied the model {Source} to {Destination} in {ElapsedMs} ms ({RateMbPerSecond:0.0} MB/s)")]
    private static partial void LogDone(ILogger logger, S3ObjectUri source, string destination, long elapsedMs, double rateMbPerSecond);
}
