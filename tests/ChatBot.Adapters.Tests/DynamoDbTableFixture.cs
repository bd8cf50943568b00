using Amazon.DynamoDBv2;
using ChatBot.Storage.DynamoDb;
using ChatBot.TestKit.LocalServers;
using Xunit;

[assembly: AssemblyFixture(typeof(ChatBot.Adapters.Tests.DynamoDbTableFixture))]

namespace ChatBot.Adapters.Tests;

/// <summary>One dynalite for the test run, with the conversations table created the way the app creates it locally.</summary>
public sealed class DynamoDbTableFixture : IAsyncLifetime
{
    private readonly DynaliteFixture _dynalite = new();

    public DynamoDbStoreOptions Options { get; private set; } = new();

    public AmazonDynamoDBClient Client { get; private set; } = null!;

    /// <summary>A client for the same table whose HTTP requests go through <paramref name="handler"/>.</summary>
    public AmazonDynamoDBClient CreateClient(Amazon.Runtime.HttpClientFactory? httpClientFactory = null, int? maxAttempts = null)
    {
        var options = new DynamoDbStoreOptions
        {
            TableName = Options.TableName,
            ServiceUrl = Options.ServiceUrl,
            MaxAttempts = maxAttempts ?? Options.MaxAttempts,
        };
        var config = DynamoDbClientFactory.CreateConfig(options);
        config.HttpClientFactory = httpClientFactory;
        return DynamoDbClientFactory.CreateClient(options, config);
    }

    public async ValueTask InitializeAsync()
    {
        await _dynalite.InitializeAsync();
        Options = new DynamoDbStoreOptions { TableName = "chatbot-tests", ServiceUrl = _dynalite.ServiceUrl, CreateTable = true };
        Client = CreateClient();
        await DynamoDbTable.EnsureCreatedAsync(Client, Options.TableName, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        await _dynalite.DisposeAsync();
    }
}
