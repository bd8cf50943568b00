using Amazon.Runtime;
using ChatBot.Llm.Bedrock;
using ChatBot.TestKit.Bedrock;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ChatBot.Llm.Bedrock.Tests;

/// <summary>
/// A fake Bedrock and the IChatClient that <c>AddBedrockChatClient</c> registers, pointed at it. Retries are fast so
/// tests stay quick; credentials are the fake's test credentials unless a test passes others (or none, for the chain).
/// </summary>
internal sealed class BedrockHarness : IAsyncDisposable
{
    public const string DefaultModelId = "openai.gpt-oss-20b-1:0";

    private readonly ServiceProvider _services;

    private BedrockHarness(FakeBedrockServer server, ServiceProvider services)
    {
        Server = server;
        _services = services;
        Client = services.GetRequiredService<IChatClient>();
    }

    public FakeBedrockServer Server { get; }

    public IChatClient Client { get; }

    public static readonly AWSCredentials TestCredentials = new SessionAWSCredentials(
        FakeBedrockServer.TestCredentials.AccessKeyId, FakeBedrockServer.TestCredentials.SecretAccessKey, FakeBedrockServer.TestCredentials.SessionToken);

    /// <param name="settings">Extra or overriding <c>Llm:*</c> settings, keyed without the section name.</param>
    /// <param name="credentials">Credentials to sign with; <c>null</c> uses the SDK's default chain.</param>
    public static async Task<BedrockHarness> StartAsync(
        IDictionary<string, string?>? settings = null, AWSCredentials? credentials = null, bool useDefaultChain = false)
    {
        var server = await FakeBedrockServer.StartAsync();
        var values = new Dictionary<string, string?>
        {
            ["Llm:Bedrock:Region"] = server.Region,
            ["Llm:Bedrock:Endpoint"] = server.Endpoint.ToString(),
            ["Llm:Bedrock:RetryBaseDelay"] = "00:00:00.010",
            ["Llm:Bedrock:RetryBudget"] = "00:00:02",
            ["Llm:Bedrock:ResponseTimeout"] = "00:00:05",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values["Llm:Bedrock:" + key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection().AddLogging();
        if (!useDefaultChain)
        {
            services.AddSingleton(credentials ?? TestCredentials);
        }

        services.AddBedrockChatClient(configuration.GetSection("Llm"));
        return new BedrockHarness(server, services.BuildServiceProvider(validateScopes: true));
    }

    /// <summary>Streams an answer to one user message and returns every update.</summary>
    public async Task<List<ChatResponseUpdate>> StreamAsync(string question = "Hi there", ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in Client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, question)], options, cancellationToken))
        {
            updates.Add(update);
        }

        return updates;
    }

    /// <summary>Streams until the client throws, and returns the text received before that and the exception.</summary>
    public async Task<(string Text, Exception Error)> StreamUntilFailureAsync(string question = "Hi there")
    {
        var text = new System.Text.StringBuilder();
        try
        {
            await foreach (var update in Client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, question)]))
            {
                text.Append(update.Text);
            }
        }
        catch (Exception ex)
        {
            return (text.ToString(), ex);
        }

        throw new Xunit.Sdk.XunitException($"The stream ended without failing; it said '{text}'.");
    }

    public void AssertEveryRequestWouldPassAws()
    {
        foreach (var request in Server.Requests)
        {
            Assert.Empty(request.Problems);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await Server.DisposeAsync();
    }
}
