using ChatBot.Adapters.Tests.Contracts;
using ChatBot.Cache.Redis;
using ChatBot.Core;
using ChatBot.TestKit.LocalServers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit;

[assembly: AssemblyFixture(typeof(RedisServerFixture))]

namespace ChatBot.Adapters.Tests;

/// <summary>The cache contract on a real redis-server, with AUTH.</summary>
public sealed class RedisContextCacheTests(RedisServerFixture redis) : ContextCacheContract, IAsyncDisposable
{
    private readonly List<RedisContextCache> _caches = [];

    protected override IContextCache CreateCache(ContextCacheOptions options) => Track(_caches, options, redis.Configuration, null);

    public async ValueTask DisposeAsync()
    {
        foreach (var cache in _caches)
        {
            await cache.DisposeAsync();
        }
    }

    internal static RedisContextCache Track(List<RedisContextCache> caches, ContextCacheOptions options, string configuration, string? caPath)
    {
        var cache = new RedisContextCache(
            Options.Create(options),
            Options.Create(new RedisCacheOptions
            {
                Configuration = configuration,
                CaCertificatePath = caPath,

                // Generous: this 2-core machine runs other suites at the same time. The outage tests use short ones.
                OperationTimeout = TimeSpan.FromSeconds(3),
            }),
            NullLogger<RedisContextCache>.Instance,
            TimeProvider.System);
        caches.Add(cache);
        return cache;
    }
}

/// <summary>The same contract over TLS with a throwaway CA, as ElastiCache Serverless needs TLS.</summary>
public sealed class RedisTlsContextCacheTests(RedisTlsServerFixture redis) : ContextCacheContract, IClassFixture<RedisTlsServerFixture>, IAsyncDisposable
{
    private readonly List<RedisContextCache> _caches = [];

    protected override IContextCache CreateCache(ContextCacheOptions options) =>
        RedisContextCacheTests.Track(_caches, options, redis.Configuration, redis.CaCertificatePath);

    public async ValueTask DisposeAsync()
    {
        foreach (var cache in _caches)
        {
            await cache.DisposeAsync();
        }
    }
}
