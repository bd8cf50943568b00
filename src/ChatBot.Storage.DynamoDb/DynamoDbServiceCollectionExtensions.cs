using Amazon.DynamoDBv2;
using ChatBot.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatBot.Storage.DynamoDb;

public static class DynamoDbServiceCollectionExtensions
{
    /// <summary>
    /// The DynamoDB conversation store (<c>Storage:Provider=DynamoDb</c>), configured from <paramref name="storageSection"/>'s
    /// <c>DynamoDb</c> child. An <see cref="IAmazonDynamoDB"/> registered before this call is used as is (tests swap it).
    /// </summary>
    public static IServiceCollection AddDynamoDbConversationStore(this IServiceCollection services, IConfiguration storageSection)
    {
        services.AddOptions<DynamoDbStoreOptions>()
            .Bind(storageSection.GetSection(DynamoDbStoreOptions.SectionName))
            .ValidateWith<DynamoDbStoreOptions, DynamoDbStoreOptionsValidator>();
        services.TryAddSingleton<IAmazonDynamoDB>(provider =>
        {
            var options = provider.GetRequiredService<IOptions<DynamoDbStoreOptions>>().Value;
            return DynamoDbClientFactory.CreateClient(options, DynamoDbClientFactory.CreateConfig(options));
        });
        services.AddSingleton<DynamoDbConversationStore>();
        services.AddSingleton<IConversationStore>(provider => provider.GetRequiredService<DynamoDbConversationStore>());
        services.AddSingleton<ChatBot.Core.Usage.IUsageStore, DynamoDbUsageStore>();

        // Creates the table at startup when asked to (local runs), before the app takes requests. Otherwise (on Lambda) the
        // SDK client is not even built here: the first request builds it, so the start pays nothing for it.
        services.RunAtStartup((provider, cancellationToken) =>
        {
            var options = provider.GetRequiredService<IOptions<DynamoDbStoreOptions>>().Value;
            return options.CreateTable
                ? DynamoDbTable.EnsureCreatedAsync(provider.GetRequiredService<IAmazonDynamoDB>(), options.TableName, cancellationToken)
                : Task.CompletedTask;
        });
        return services;
    }
}
