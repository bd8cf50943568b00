using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Xunit;

namespace ChatBot.TestKit.LocalServers;

/// <summary>
/// s3rver, an S3-compatible server (npm) that keeps objects in a temporary folder, on a free loopback port, with the
/// bucket <see cref="Bucket"/> created. It is installed into tests/tools by tests/setup-local-servers.sh (<c>npm ci</c>,
/// pinned by package-lock.json). It accepts requests signed with <see cref="Credentials"/> and refuses others with 403.
/// </summary>
public sealed class S3rverFixture : IAsyncLifetime
{
    public const string Bucket = "models";

    private readonly string _folder = Directory.CreateTempSubdirectory("chatbot-s3rver-").FullName;
    private LocalServerProcess? _server;

    /// <summary>The one key pair s3rver knows.</summary>
    public static AWSCredentials Credentials { get; } = new BasicAWSCredentials("S3RVER", "S3RVER");

    public int Port { get; } = LocalServerProcess.FreeTcpPort();

    public string ServiceUrl => $"http://127.0.0.1:{Port}";

    public async ValueTask InitializeAsync()
    {
        _server = LocalServerProcess.StartNodeTool(
            "s3rver",
            "the S3 server",
            Path.Combine("bin", "s3rver.js"),
            ["--directory", _folder, "--address", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "--no-vhost-buckets", "--configure-bucket", Bucket]);
        await _server.WaitUntilReadyAsync(ct => LocalServerProcess.CanConnectAsync(Port, ct), TimeSpan.FromSeconds(30));
    }

    /// <summary>A client for this server, signing with <paramref name="credentials"/> (default: the ones it accepts).</summary>
    public AmazonS3Client CreateClient(AWSCredentials? credentials = null, HttpClientFactory? httpClientFactory = null) =>
        new(credentials ?? Credentials, new AmazonS3Config
        {
            ServiceURL = ServiceUrl,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            // s3rver predates the SDK's default CRC checksums, which are sent as aws-chunked trailers it cannot read.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            HttpClientFactory = httpClientFactory,
        });

    /// <summary>Stores <paramref name="content"/> as <c>s3://models/{key}</c> and returns that URI.</summary>
    public async Task<string> PutAsync(string key, byte[] content, CancellationToken cancellationToken = default)
    {
        using var client = CreateClient();
        await client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = Bucket,
            Key = key,
            InputStream = new MemoryStream(content),
            UseChunkEncoding = false,
        }, cancellationToken);
        return $"s3://{Bucket}/{key}";
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Directory.Delete(_folder, recursive: true);
    }
}
