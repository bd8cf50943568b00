using System.Net;
using ChatBot.Core;
using Amazon.DynamoDBv2;
using Amazon.Runtime;

namespace ChatBot.Storage.DynamoDb;

/// <summary>Builds the DynamoDB client the store uses, with retries and timeouts chosen on purpose rather than by default.</summary>
public static class DynamoDbClientFactory
{
    /// <summary>
    /// Standard retry mode: exponential backoff with jitter on throttling, 5xx and network errors, up to
    /// <see cref="DynamoDbStoreOptions.MaxAttempts"/> attempts, with a retry quota that stops retry storms during an outage.
    /// </summary>
    public static AmazonDynamoDBConfig CreateConfig(DynamoDbStoreOptions options)
    {
        var config = new AmazonDynamoDBConfig
        {
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = options.MaxAttempts - 1,
            Timeout = options.RequestTimeout,
        };
        if (options.ServiceUrl is { Length: > 0 } url)
        {
            config.ServiceURL = url;
            if (Loopback.Is(url))
            {
                // An emulator has no region, but requests are still signed for one.
                config.AuthenticationRegion = "us-east-1";
            }
        }

        return config;
    }

    public static AmazonDynamoDBClient CreateClient(DynamoDbStoreOptions options, AmazonDynamoDBConfig config) =>
        // An emulator on this machine takes any credentials; anywhere else the SDK's default chain applies (the Lambda's role in AWS).
        Loopback.Is(options.ServiceUrl)
            ? new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"), config)
            : new AmazonDynamoDBClient(config);
}
