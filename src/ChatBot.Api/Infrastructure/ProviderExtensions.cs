using ChatBot.Core;

namespace ChatBot.Api.Infrastructure;

/// <summary>Picks each adapter from configuration, so switching a backend never needs a code change.</summary>
public static class ProviderExtensions
{
    public static IHostApplicationBuilder AddChatBotStorage(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Storage");
        switch (section["Provider"] ?? "Sqlite")
        {
            default:
                throw Unsupported("Storage:Provider", section["Provider"], "Sqlite, DynamoDb");
        }
    }

    public static IHostApplicationBuilder AddChatBotCache(this IHostApplicationBuilder builder)
    {
        var provider = builder.Configuration[$"{ContextCacheOptions.SectionName}:Provider"] ?? "Memory";
        switch (provider)
        {
            case "Memory":
                builder.Services.AddInProcessContextCache();
                return builder;
            default:
                throw Unsupported("Cache:Provider", provider, "Memory, Redis");
        }
    }

    public static IHostApplicationBuilder AddChatBotModel(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Llm");
        switch (section["Provider"] ?? "LlamaSharp")
        {
            default:
                throw Unsupported("Llm:Provider", section["Provider"], "LlamaSharp, Bedrock, OpenAI");
        }
    }

    private static InvalidOperationException Unsupported(string key, string? value, string allowed) =>
        new($"{key} '{value}' is not supported. Use one of: {allowed}.");
}
