using ChatBot.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChatBot.Storage.Sqlite;

public static class SqliteServiceCollectionExtensions
{
    /// <summary>
    /// The embedded conversation store (<c>Storage:Provider=Sqlite</c>), configured from <paramref name="storageSection"/>'s
    /// <c>Sqlite</c> child. The schema is created at startup so a bad path stops the app before the first request.
    /// </summary>
    public static IServiceCollection AddSqliteConversationStore(this IServiceCollection services, IConfiguration storageSection)
    {
        services.AddOptions<SqliteStoreOptions>()
            .Bind(storageSection.GetSection(SqliteStoreOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // A relative path is relative to the working directory, like every path setting: where the user ran the command.
        services.AddOptions<SqliteStoreOptions>()
            .PostConfigure(options =>
            {
                if (!string.IsNullOrWhiteSpace(options.Path))
                {
                    options.Path = System.IO.Path.GetFullPath(options.Path);
                }
            });

        services.AddSingleton<SqliteConversationStore>();
        services.AddSingleton<IConversationStore>(provider => provider.GetRequiredService<SqliteConversationStore>());
        services.AddSingleton<ChatBot.Core.Usage.IUsageStore, SqliteUsageStore>();
        services.AddHostedService<SqliteStoreInitializer>();
        return services;
    }

    private sealed class SqliteStoreInitializer(SqliteConversationStore store) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => store.InitializeAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
