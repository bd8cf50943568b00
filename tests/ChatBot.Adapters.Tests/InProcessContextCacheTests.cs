using ChatBot.Adapters.Tests.Contracts;
using ChatBot.Cache.Memory;
using ChatBot.Core;
using Microsoft.Extensions.Options;

namespace ChatBot.Adapters.Tests;

public sealed class InProcessContextCacheTests : ContextCacheContract, IDisposable
{
    private readonly List<InProcessContextCache> _caches = [];

    protected override IContextCache CreateCache(ContextCacheOptions options)
    {
        var cache = new InProcessContextCache(Options.Create(options));
        _caches.Add(cache);
        return cache;
    }

    public void Dispose() => _caches.ForEach(cache => cache.Dispose());
}
