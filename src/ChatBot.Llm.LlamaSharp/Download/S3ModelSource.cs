using Amazon.Runtime;
using Amazon.S3;
using Microsoft.Extensions.Logging;

namespace ChatBot.Llm.LlamaSharp.Download;

// Makes the S3 client for Llm:LlamaSharp:ModelS3Uri, only when a model is actually fetched (most runs never need one).
internal sealed class S3ModelSource(AWSCredentials? credentials, ILoggerFactory loggerFactory)
{
    public async Task FetchAsync(LlamaSharpOptions options, string destinationPath, CancellationToken cancellationToken)
    {
        if (!S3ObjectUri.TryParse(options.ModelS3Uri, out var source))
        {
            throw new InvalidOperationException("Llm:LlamaSharp:ModelS3Uri is not an S3 object URI; the options validator should have stopped the app.");
        }

        using var s3 = CreateClient(options);
        var fetcher = new S3ModelFetcher(s3, loggerFactory.CreateLogger<S3ModelFetcher>()) { Concurrency = options.ModelS3Concurrency };
        await fetcher.FetchAsync(source, destinationPath, cancellationToken);
    }

    // Credentials: a registered AWSCredentials (tests, or a host that has its own), else the SDK's default chain,
    // which on Lambda is the function role's credentials from the environment. The region is the SDK's too (AWS_REGION).
    private AmazonS3Client CreateClient(LlamaSharpOptions options)
    {
        var config = new AmazonS3Config
        {
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = 4,
            // Per request, so per 16 MiB range: a minute without it done is a broken connection, and the range is retried.
            Timeout = TimeSpan.FromMinutes(1),
        };
        if (!string.IsNullOrWhiteSpace(options.ModelS3ServiceUrl))
        {
            // S3-compatible servers take path-style addresses (http://host:port/bucket/key), not bucket subdomains.
            config.ServiceURL = options.ModelS3ServiceUrl;
            config.ForcePathStyle = true;
            config.AuthenticationRegion ??= Environment.GetEnvironmentVariable("AWS_REGION") ?? "us-east-1";
        }

        return credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(credentials, config);
    }
}
