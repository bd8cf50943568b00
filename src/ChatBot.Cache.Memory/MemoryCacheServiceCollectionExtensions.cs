using ChatBot.Core;
using Microsoft.Extensions.DependencyInjection;

namespace ChatBot.Cache.Memory;

public static class MemoryCacheServiceCollectionExtensions
{
    /// <summary>
    /// The in-process context cache, the local default (<c>Cache:Provider=Memory</c>). Its bounds are
    /// <see cref="ContextCacheOptions"/>, bound by Core.
    /// </summary>
    public static IServiceCollection AddInProcessContextCache(this IServiceCollection services) =>
        services.AddSingleton<IContextCache, InProcessContextCache>();
}
