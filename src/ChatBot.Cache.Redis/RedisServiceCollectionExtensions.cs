using ChatBot.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
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
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<RedisCacheOptions>, RedisCacheOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<RedisContextCache>();
        services.AddSingleton<IContextCache>(provider => provider.GetRequiredService<RedisContextCache>());
        services.AddHostedService<RedisConnectionWarmup>();
        return services;
    }

    /// <summary>Connects during startup (on Lambda: during init), so the first turns are not misses for want of a connection.</summary>
    private sealed class RedisConnectionWarmup(RedisContextCache cache) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => cache.WhenConnectedAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
