using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;
using ChatBot.Core;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.Llm.Bedrock;

public static class BedrockServiceCollectionExtensions
{
    /// <summary>The named <see cref="HttpClient"/> that carries Bedrock calls; its primary handler signs them with SigV4.</summary>
    public const string HttpClientName = "ChatBot.Bedrock";

    /// <summary>
    /// Registers <see cref="BedrockChatClient"/> as the <see cref="IChatClient"/> (<c>Llm:Provider=Bedrock</c>), with options
    /// bound from <c>Bedrock</c> under <paramref name="llmSection"/> and validated at startup. Credentials come from the AWS SDK's default chain
    /// unless an <see cref="AWSCredentials"/> is registered first. Returns the builder so the host can add
    /// <c>UseLogging()</c> and <c>UseOpenTelemetry()</c>.
    /// </summary>
    public static ChatClientBuilder AddBedrockChatClient(this IServiceCollection services, IConfiguration llmSection)
    {
        services.AddOptions<BedrockOptions>()
            .Bind(llmSection.GetSection(BedrockOptions.SectionName))
            .PostConfigure(options =>
            {
                if (string.IsNullOrWhiteSpace(options.Region))
                {
                    // Lambda sets AWS_REGION; the AWS CLI convention is AWS_DEFAULT_REGION.
                    options.Region = Environment.GetEnvironmentVariable("AWS_REGION") is { Length: > 0 } region
                        ? region
                        : Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION");
                }
            })
            .ValidateWith<BedrockOptions, BedrockOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AWSCredentials, DefaultChainCredentials>();

        services.AddHttpClient(HttpClientName)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan) // BedrockChatClient times each wait itself.
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var options = sp.GetRequiredService<IOptions<BedrockOptions>>().Value;
                var transport = new SocketsHttpHandler
                {
                    // A followed redirect would not be re-signed (see SigV4SigningHandler), and Bedrock never redirects.
                    AllowAutoRedirect = false,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                };
                return new SigV4SigningHandler(
                    sp.GetRequiredService<AWSCredentials>(), RegionEndpoint.GetBySystemName(options.Region), "bedrock", transport);
            });

        return services.AddChatClient(sp => new BedrockChatClient(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName),
            sp.GetRequiredService<IOptions<BedrockOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<BedrockChatClient>>()));
    }
}
