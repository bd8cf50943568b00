using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace ChatBot.Core;

public static class CoreServiceCollectionExtensions
{
    /// <summary>ChatService and its options. Storage, cache and model backends are registered by their own adapters.</summary>
    public static IHostApplicationBuilder AddChatBotCore(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ChatServiceOptions>()
            .Bind(builder.Configuration.GetSection(ChatServiceOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<ContextCacheOptions>()
            .Bind(builder.Configuration.GetSection(ContextCacheOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ChatService>();
        return builder;
    }

    /// <summary>The in-process context cache, the local default (<c>Cache:Provider=Memory</c>).</summary>
    public static IServiceCollection AddInProcessContextCache(this IServiceCollection services) =>
        services.AddSingleton<IContextCache, InProcessContextCache>();
}
