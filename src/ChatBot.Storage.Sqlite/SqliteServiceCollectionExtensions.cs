using ChatBot.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

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
            .ValidateWith<SqliteStoreOptions, SqliteStoreOptionsValidator>();

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
        services.RunAtStartup((provider, cancellationToken) => provider.GetRequiredService<SqliteConversationStore>().InitializeAsync(cancellationToken));
        return services;
    }
}
