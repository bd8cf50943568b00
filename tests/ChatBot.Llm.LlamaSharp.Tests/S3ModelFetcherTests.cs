using System.Collections.Concurrent;
using Amazon.Runtime;
using ChatBot.Llm.LlamaSharp.Download;
using ChatBot.TestKit;
using ChatBot.TestKit.LocalServers;

namespace ChatBot.Llm.LlamaSharp.Tests;

/// <summary>The in-Lambda model's cold-start copy, against a real S3-compatible server (s3rver).</summary>
public sealed class S3ModelFetcherTests(S3rverFixture s3) : IClassFixture<S3rverFixture>, IDisposable
{
    private static readonly byte[] Model = TinyGgufModel.Create();

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("chatbot-s3-fetch-tests-");
    private readonly RequestLog _requests = new();
    private readonly List<IDisposable> _clients = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Destination => Path.Combine(_directory.FullName, "model.gguf");

    public void Dispose()
    {
        _clients.ForEach(client => client.Dispose());
        _directory.Delete(recursive: true);
    }

    [Fact]
    public async Task Fetch_CopiesTheObjectAsParallelRanges_AndLeavesNoPartialFile()
    {
        var source = await PutAsync(Model);
        var fetcher = Fetcher();
        fetcher.PartSize = 8192;

        var copied = await fetcher.FetchAsync(source, Destination, Ct);

        Assert.True(copied);
        Assert.Equal(Model, await File.ReadAllBytesAsync(Destination, Ct));
        Assert.False(File.Exists(Destination + ".partial"));
        Assert.Equal(["HEAD"], _requests.Methods.Where(m => m == "HEAD"));
        var ranges = _requests.Ranges.Order().ToList();
        Assert.Equal((Model.Length + 8191) / 8192, ranges.Count);
        Assert.Equal($"bytes={Model.Length / 8192 * 8192}-{Model.Length - 1}", ranges.Single(r => r.EndsWith($"-{Model.Length - 1}", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Fetch_WhenACompleteCopyIsThere_OnlyAsksS3WhichVersionIsCurrent()
    {
        var source = await PutAsync(Model);
        await Fetcher().FetchAsync(source, Destination, Ct);
        _requests.Clear();

        var copied = await Fetcher().FetchAsync(source, Destination, Ct);

        Assert.False(copied);
        Assert.Equal(["HEAD"], _requests.Methods);
    }

    [Fact]
    public async Task Fetch_WhenTheObjectWasReplacedSinceTheCopy_CopiesItAgain()
    {
        var source = await PutAsync(Model);
        await Fetcher().FetchAsync(source, Destination, Ct);
        var replacement = TinyGgufModel.Create(TinyGgufModel.ChatMlTemplate);
        await s3.PutAsync(source.Key, replacement, Ct);

        var copied = await Fetcher().FetchAsync(source, Destination, Ct);

        Assert.True(copied);
        Assert.Equal(replacement, await File.ReadAllBytesAsync(Destination, Ct));
    }

    [Fact]
    public async Task Fetch_WhenACopyWasCutShort_CopiesItAgain()
    {
        var source = await PutAsync(Model);
        await Fetcher().FetchAsync(source, Destination, Ct);
        await File.WriteAllBytesAsync(Destination, Model[..1000], Ct);

        var copied = await Fetcher().FetchAsync(source, Destination, Ct);

        Assert.True(copied);
        Assert.Equal(Model, await File.ReadAllBytesAsync(Destination, Ct));
    }

    [Fact]
    public async Task Fetch_MissingObject_FailsWithOneLineNamingTheUriAndTheSetting()
    {
        var source = new S3ObjectUri(S3rverFixture.Bucket, "no-such-model.gguf");

        var error = await Assert.ThrowsAsync<ModelDownloadException>(() => Fetcher().FetchAsync(source, Destination, Ct));

        Assert.Equal(
            "The model s3://models/no-such-model.gguf does not exist (S3 answered 404 NoSuchKey or NoSuchBucket). Check Llm:LlamaSharp:ModelS3Uri, or upload the model there.",
            error.Message);
        Assert.Empty(_directory.GetFiles());
    }

    [Fact]
    public async Task Fetch_WhenS3RefusesTheCredentials_SaysWhichPermissionTheRoleNeeds()
    {
        var source = await PutAsync(Model);
        using var client = s3.CreateClient(new BasicAWSCredentials("SOMEONE-ELSE", "not-the-secret"));

        var error = await Assert.ThrowsAsync<ModelDownloadException>(() => new S3ModelFetcher(client).FetchAsync(source, Destination, Ct));

        Assert.StartsWith($"Reading the model {source} was denied (S3 answered 403 AccessDenied)", error.Message, StringComparison.Ordinal);
        Assert.Contains("s3:GetObject", error.Message, StringComparison.Ordinal);
        Assert.Empty(_directory.GetFiles());
    }

    [Fact]
    public async Task Fetch_ObjectThatIsNotGguf_FailsAndLeavesNoFileBehind()
    {
        var source = await PutAsync("<html>Sign in</html>"u8.ToArray());

        var error = await Assert.ThrowsAsync<ModelDownloadException>(() => Fetcher().FetchAsync(source, Destination, Ct));

        Assert.Equal($"The object {source} is not a GGUF model (it does not start with \"GGUF\"). Check Llm:LlamaSharp:ModelS3Uri.", error.Message);
        Assert.Empty(_directory.GetFiles());
    }

    private async Task<S3ObjectUri> PutAsync(byte[] content)
    {
        var key = $"{Guid.NewGuid():N}/model.gguf";
        Assert.True(S3ObjectUri.TryParse(await s3.PutAsync(key, content, Ct), out var uri));
        return uri;
    }

    private S3ModelFetcher Fetcher()
    {
        var client = s3.CreateClient(httpClientFactory: _requests);
        _clients.Add(client);
        return new S3ModelFetcher(client) { Concurrency = 4 };
    }

    /// <summary>Every request the fetcher's S3 client sends: how many, which method, which byte range.</summary>
    private sealed class RequestLog : HttpClientFactory
    {
        private readonly ConcurrentQueue<(string Method, string? Range)> _requests = new();

        public IEnumerable<string> Methods => _requests.Select(r => r.Method);

        public IEnumerable<string> Ranges => _requests.Where(r => r.Range is not null).Select(r => r.Range!);

        public void Clear() => _requests.Clear();

        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(new Recorder(this));

        // One HttpClient per S3 client, disposed with it, so each fetcher's requests go through this log.
        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

        private sealed class Recorder(RequestLog log) : DelegatingHandler(new SocketsHttpHandler())
        {
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                log._requests.Enqueue((request.Method.Method, request.Headers.Range?.ToString()));
                return base.SendAsync(request, cancellationToken);
            }
        }
    }
}
