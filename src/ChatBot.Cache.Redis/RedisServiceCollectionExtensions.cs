using ChatBot.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatBot.Cache.Redis;

public static class RedisServiceCollectionExtensions
{
    /// <summary>
    /// The Redis context cache (<c>Cache:Provider=Redis</c>), connected as <paramref name="cacheSection"/>'s <c>Redis</c>
    /// child says. Its bounds (MaxMessages, MaxCharsPerConversation, Ttl) are <see cref="ContextCacheOptions"/>, bound by Core.
    /// </summary>
    public static IServiceCollection AddRedisContextCache(this IServiceCollection services, IConfiguration cacheSection)
    {
        services.AddOptions<RedisCacheOptions>()
            .Bind(cacheSection.GetSection(RedisCacheOptions.SectionName))
            .ValidateWith<RedisCacheOptions, RedisCacheOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<RedisContextCache>();
        services.AddSingleton<IContextCache>(provider => provider.GetRequiredService<RedisContextCache>());

        // Starts connecting while the app starts (on Lambda: during init), so the first turns are not misses for want of a
        // connection, without holding up the start: the connection comes up while the app binds its port and answers its
        // readiness check. With ConnectAtStartup off, the cache (and its connection) waits for its first use.
        services.RunAtStartup((provider, cancellationToken) =>
        {
            if (provider.GetRequiredService<IOptions<RedisCacheOptions>>().Value.ConnectAtStartup)
            {
                _ = Task.Run(() => provider.GetRequiredService<RedisContextCache>().WhenConnectedAsync(CancellationToken.None), CancellationToken.None);
            }

            return Task.CompletedTask;
        });
        return services;
    }
}
