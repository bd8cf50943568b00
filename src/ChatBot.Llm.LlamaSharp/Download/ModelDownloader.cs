using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatBot.Llm.LlamaSharp.Download;

// Downloads a GGUF model file the way a person would want a 400 MB download to behave: with a progress bar, into
// "<file>.partial" so a half-written file is never mistaken for a model, resuming with an HTTP Range request after
// a dropped connection (in this run or the next one), and moving the file into place only once it is complete and
// starts with the GGUF magic.
public sealed partial class ModelDownloader(HttpClient httpClient, ILogger<ModelDownloader>? logger = null)
{
    // How ModelPath is set by hand, for the messages below.
    internal const string HowToSetModelPath =
        "Set Llm:LlamaSharp:ModelPath to a GGUF model file you already have, e.g. the environment variable Llm__LlamaSharp__ModelPath=/path/to/model.gguf " +
        "or the argument --Llm:LlamaSharp:ModelPath=/path/to/model.gguf.";

    private const int MaxAttempts = 4;
    private static readonly byte[] GgufMagic = "GGUF"u8.ToArray();

    private readonly ILogger _logger = logger ?? NullLogger<ModelDownloader>.Instance;

    // Tests point these somewhere quieter and faster.
    internal TextWriter ProgressOutput { get; set; } = Console.Error;

    internal bool ProgressIsInteractive { get; set; } = !Console.IsErrorRedirected;

    internal TimeProvider Time { get; set; } = TimeProvider.System;

    internal TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    // With no bytes for this long the connection is treated as dropped: retried, then resumed.
    internal TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(60);

    public async Task DownloadAsync(Uri source, string destinationPath, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(destinationPath))!);
        var partialPath = destinationPath + ".partial";
        LogStarting(_logger, source, destinationPath);

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await DownloadToPartialAsync(source, partialPath, cancellationToken);
                break;
            }
            catch (HttpRequestException e) when (IsUnreachable(e))
            {
                throw new ModelDownloadException(
                    $"Could not download the model: {source.Host} is unreachable ({e.Message}). " +
                    $"Connect to the internet and start again, or run offline with a model you have. {HowToSetModelPath}", e);
            }
            catch (IOException e) when (attempt < MaxAttempts && !cancellationToken.IsCancellationRequested)
            {
                LogRetrying(_logger, e.Message, attempt, MaxAttempts);
                await Task.Delay(RetryDelay * attempt, Time, cancellationToken);
            }
            catch (IOException e) when (!cancellationToken.IsCancellationRequested)
            {
                var resume = File.Exists(partialPath) ? $" What arrived is kept in '{partialPath}' and the next start resumes from there." : "";
                throw new ModelDownloadException(
                    $"Downloading the model from {source} failed {MaxAttempts} times ({e.Message}).{resume} {HowToSetModelPath}", e);
            }
        }

        if (!await StartsWithGgufMagicAsync(partialPath, cancellationToken))
        {
            File.Delete(partialPath);
            throw new ModelDownloadException(
                $"The file downloaded from {source} is not a GGUF model, so it was deleted. Check Llm:LlamaSharp:DownloadUrl. {HowToSetModelPath}");
        }
        // A rename within one directory is atomic: the model path holds either nothing or the whole file.
        File.Move(partialPath, destinationPath, overwrite: true);
        LogDone(_logger, destinationPath);
    }

    internal static async Task<bool> StartsWithGgufMagicAsync(string path, CancellationToken cancellationToken)
    {
        var header = new byte[GgufMagic.Length];
        await using var file = File.OpenRead(path);
        var read = await file.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken);
        return read == header.Length && header.AsSpan().SequenceEqual(GgufMagic);
    }

    // Appends to the partial file from where it ends. Throws IOException for anything worth another try.
    private async Task DownloadToPartialAsync(Uri source, string partialPath, CancellationToken cancellationToken)
    {
        var existing = File.Exists(partialPath) ? new FileInfo(partialPath).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, source);
        if (existing > 0)
        {
            request.Headers.Range = new RangeHeaderValue(existing, null);
        }

        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stall.CancelAfter(StallTimeout);
        try
        {
            using var response = await httpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stall.Token);
            var resumeFrom = StartOffset(response, existing, partialPath);
            var total = response.Content.Headers.ContentLength is { } length ? resumeFrom + length : (long?)null;

            await using var file = new FileStream(partialPath, resumeFrom > 0 ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await using var body = await response.Content.ReadAsStreamAsync(stall.Token);
            using var progress = new DownloadProgressBar(ProgressOutput, ProgressIsInteractive, Time, $"Downloading {Path.GetFileName(source.AbsolutePath)}", resumeFrom, total);
            var downloaded = resumeFrom;
            var buffer = new byte[1 << 16];
            int read;
            while ((read = await body.ReadAsync(buffer, stall.Token)) > 0)
            {
                stall.CancelAfter(StallTimeout);
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                downloaded += read;
                progress.Report(downloaded);
            }
            progress.Complete(downloaded);
            if (total is { } expected && downloaded != expected)
            {
                throw new IOException($"the server sent {downloaded} of {expected} bytes");
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IOException($"no data for {StallTimeout.TotalSeconds:0} seconds");
        }
        catch (HttpRequestException e) when (!IsUnreachable(e))
        {
            // The server was reached but the exchange broke, e.g. the connection closed before the headers.
            throw new IOException(e.Message, e);
        }
    }

    // Where the response body goes in the partial file, judging the server's answer to the Range request.
    private long StartOffset(HttpResponseMessage response, long existing, string partialPath)
    {
        var status = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        switch (response.StatusCode)
        {
            case HttpStatusCode.PartialContent when response.Content.Headers.ContentRange?.From == existing:
                LogResuming(_logger, existing);
                return existing;
            case HttpStatusCode.OK:
                if (existing > 0)
                {
                    LogRangeIgnored(_logger);
                }

                return 0;
            case HttpStatusCode.PartialContent or HttpStatusCode.RequestedRangeNotSatisfiable:
                // The server cannot continue this partial file (it may have changed upstream): start over.
                File.Delete(partialPath);
                throw new IOException($"the server could not resume the partial download ({status})");
            case HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError:
                throw new IOException($"the server answered {status}");
            default:
                throw new ModelDownloadException(
                    $"Could not download the model from {response.RequestMessage?.RequestUri}: the server answered {status}. " +
                    $"Check Llm:LlamaSharp:DownloadUrl. {HowToSetModelPath}");
        }
    }

    private static bool IsUnreachable(HttpRequestException e) => e.HttpRequestError is
        HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError or
        HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError;

    [LoggerMessage(Level = LogLevel.Information, Message = "Downloading the model from {Source} to {Destination}")]
    private static partial void LogStarting(ILogger logger, Uri source, string destination);

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming the download at byte {Offset}")]
    private static partial void LogResuming(ILogger logger, long offset);

    [LoggerMessage(Level = LogLevel.Information, Message = "The server does not support resuming; downloading from the start")]
    private static partial void LogRangeIgnored(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model download interrupted ({Reason}); attempt {Attempt} of {MaxAttempts}, resuming")]
    private static partial void LogRetrying(ILogger logger, string reason, int attempt, int maxAttempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model downloaded to {Destination}")]
    private static partial void LogDone(ILogger logger, string destination);
}
