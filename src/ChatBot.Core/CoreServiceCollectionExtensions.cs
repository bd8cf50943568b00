using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ChatBot.Core;

public static class CoreServiceCollectionExtensions
{
    /// <summary>ChatService and its options. Storage, cache and model backends are registered by their own adapters.</summary>
    public static IHostApplicationBuilder AddChatBotCore(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ChatServiceOptions>()
            .Bind(builder.Configuration.GetSection(ChatServiceOptions.SectionName))
            .ValidateWith<ChatServiceOptions, ChatServiceOptionsValidator>();
        builder.Services.AddOptions<ContextCacheOptions>()
            .Bind(builder.Configuration.GetSection(ContextCacheOptions.SectionName))
            // The cache keeps what a prompt uses, so a hit and a miss give the model the same history.
            .PostConfigure<IOptions<ChatServiceOptions>>((cache, chat) => cache.MaxMessages = Math.Max(1, chat.Value.HistoryMessages))
            .ValidateWith<ContextCacheOptions, ContextCacheOptionsValidator>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ChatService>();
        return builder;
    }

    /// <summary>The in-process context cache, the local default (<c>Cache:Provider=Memory</c>).</summary>
    public static IServiceCollection AddInProcessContextCache(this IServiceCollection services) =>
        services.AddSingleton<IContextCache, InProcessContextCache>();
}
