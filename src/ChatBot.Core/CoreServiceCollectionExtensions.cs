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
            .ValidateWith<ChatServiceOptions, ChatServiceOptionsValidator>();
        builder.Services.AddOptions<ContextCacheOptions>()
            .Bind(builder.Configuration.GetSection(ContextCacheOptions.SectionName))
            // The cache keeps what a prompt uses, so a hit and a miss give the model the same history. Read from the
            // configuration, not IOptions<ChatServiceOptions>, so a bad Chat setting is reported once, by its own validator.
            .PostConfigure(cache => cache.MaxMessages = Math.Max(1, HistoryMessages(builder.Configuration)))
            .ValidateWith<ContextCacheOptions, ContextCacheOptionsValidator>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ChatService>();
        return builder;
    }

    private static int HistoryMessages(Microsoft.Extensions.Configuration.IConfiguration configuration) =>
        int.TryParse(configuration[$"{ChatServiceOptions.SectionName}:{nameof(ChatServiceOptions.HistoryMessages)}"], out var value)
            ? value
            : new ChatServiceOptions().HistoryMessages;
}
