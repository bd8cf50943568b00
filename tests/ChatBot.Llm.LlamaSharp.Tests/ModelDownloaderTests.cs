using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ChatBot.Llm.LlamaSharp.Download;
using ChatBot.TestKit;

namespace ChatBot.Llm.LlamaSharp.Tests;

public sealed class ModelDownloaderTests : IDisposable
{
    private static readonly byte[] Model = TinyGgufModel.Create();

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("chatbot-download-tests-");
    private readonly HttpClient _http = new();
    private readonly StringWriter _progress = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Destination => Path.Combine(_directory.FullName, "model.gguf");

    private string Partial => Destination + ".partial";

    public void Dispose()
    {
        _http.Dispose();
        _progress.Dispose();
        _directory.Delete(recursive: true);
    }

    [Fact]
    public async Task Download_FromServer_WritesTheWholeFileAndLeavesNoPartialFile()
    {
        await using var server = await ModelServer.StartAsync(Model);

        await Downloader().DownloadAsync(server.Url, Destination, Ct);

        Assert.Equal(Model, await File.ReadAllBytesAsync(Destination, Ct));
        Assert.False(File.Exists(Partial));
        Assert.Equal([""], server.RangeHeaders);
    }

    [Fact]
    public async Task Download_WhenConnectionDropsMidBody_ResumesWithARangeRequest()
    {
        await using var server = await ModelServer.StartAsync(Model, dropFirstResponseAfter: 40_000);

        await Downloader().DownloadAsync(server.Url, Destination, Ct);

        Assert.Equal(Model, await File.ReadAllBytesAsync(Destination, Ct));
        Assert.Equal(["", "bytes=40000-"], server.RangeHeaders);
    }

    [Fact]
    public async Task Download_WhenServerStallsMidBody_GivesUpOnThatConnectionAndResumes()
    {
        await using var server = await ModelServer.StartAsync(Model, dropFirstResponseAfter: 40_000, stallInsteadOfDropping: true);
        var downloader = Downloader();
        // The server stalls for good, so a longer timeout costs only time; a 300 ms one fired on a loaded machine before
        // the first 40,000 bytes had arrived, and the test measured the machine instead of the resume.
        downloader.StallTimeout = TimeSpan.FromSeconds(2);

        await downloader.DownloadAsync(server.Url, Destination, Ct);

        Assert.Equal(Model, await File.ReadAllBytesAsync(Destination, Ct));
        Assert.Equal(["", "bytes=40000-"], server.RangeHeaders);
    }

    [Fact]
    public async Task Download_WhenServerIgnoresRange_StartsOverAndStillGetsTheRightFile()
    {
        await using var server = await ModelServer.StartAsync(Model, dropFirstResponseAfter: 40_000, honoursRange: false);

        await Downloader().DownloadAsync(server.Url, Destination, Ct);

        Assert.Equal(Model, await File.ReadAllBytesAsync(Destination, Ct));
        Assert.Equal(["", "bytes=40000-"], server.RangeHeaders);
    }

    [Fact]
    public async Task Download_WithAPartialFileFromAnEarlierRun_ResumesFromItsEnd()
    {
        await File.WriteAllBytesAsync(Partial, Model[..12_345], Ct);
        await using var server = await ModelServer.StartAsync(Model);

        await Downloader().DownloadAsync(server.Url, Destination, Ct);

        Assert.Equal(Model, await File.ReadAllBytesAsync(Destination, Ct));
        Assert.Equal(["bytes=12345-"], server.RangeHeaders);
    }

    [Fact]
    public async Task Download_OfSomethingThatIsNotGguf_FailsAndDeletesIt()
    {
        await using var server = await ModelServer.StartAsync(Encoding.UTF8.GetBytes("<!DOCTYPE html><html>Sign in to continue</html>"));

        var error = await Assert.ThrowsAsync<ModelDownloadException>(() => Downloader().DownloadAsync(server.Url, Destination, Ct));

        Assert.Contains("not a GGUF model", error.Message);
        Assert.Contains("Llm:LlamaSharp:ModelPath", error.Message);
        Assert.False(File.Exists(Destination));
        Assert.False(File.Exists(Partial));
    }

    [Fact]
    public async Task Download_WhenOffline_FailsAtOnceWithOneMessageSayingHowToSetModelPath()
    {
        var closedPort = ClosedLoopbackPort();
        var stopwatch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ModelDownloadException>(() =>
            Downloader().DownloadAsync(new Uri($"http://127.0.0.1:{closedPort}/model.gguf"), Destination, Ct));

        Assert.Contains("unreachable", error.Message);
        Assert.Contains("Llm__LlamaSharp__ModelPath=/path/to/model.gguf", error.Message);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"Took {stopwatch.Elapsed}: an unreachable host must not be retried");
        Assert.False(File.Exists(Destination));
    }

    [Fact]
    public async Task Download_WhenFileIsMissingOnServer_FailsNamingTheDownloadUrlSetting()
    {
        await using var server = await ModelServer.StartAsync(Model);

        var error = await Assert.ThrowsAsync<ModelDownloadException>(() =>
            Downloader().DownloadAsync(new Uri(server.Url, "/models/missing.gguf"), Destination, Ct));

        Assert.Contains("404", error.Message);
        Assert.Contains("Llm:LlamaSharp:DownloadUrl", error.Message);
    }

    [Fact]
    public async Task Download_WhenOutputIsNotATerminal_ReportsProgressAsPlainLines()
    {
        await using var server = await ModelServer.StartAsync(Model);

        await Downloader().DownloadAsync(server.Url, Destination, Ct);

        var lines = _progress.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain('\r', _progress.ToString());
        Assert.StartsWith("Downloading tiny.gguf: starting", lines[0]);
        Assert.Matches(@"^Downloading tiny\.gguf: 100% \(0\.1/0\.1 MB, [0-9.]+ MB/s\)$", lines[^1]);
    }

    private ModelDownloader Downloader() => new(_http)
    {
        ProgressOutput = _progress,
        ProgressIsInteractive = false,
        RetryDelay = TimeSpan.Zero,
    };

    private static int ClosedLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
