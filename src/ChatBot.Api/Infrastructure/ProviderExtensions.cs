using ChatBot.Api.Telemetry;
using ChatBot.Cache.Redis;
using ChatBot.Core;
using ChatBot.Llm.Bedrock;
using ChatBot.Llm.LlamaSharp;
using ChatBot.Llm.OpenAI;
using ChatBot.Storage.DynamoDb;
using ChatBot.Storage.Sqlite;
using Microsoft.Extensions.AI;

namespace ChatBot.Api.Infrastructure;

/// <summary>Picks each adapter from configuration, so switching a backend never needs a code change.</summary>
public static class ProviderExtensions
{
    public static IHostApplicationBuilder AddChatBotStorage(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Storage");
        var provider = section["Provider"] ?? "Sqlite";
        _ = provider switch
        {
            "Sqlite" => builder.Services.AddSqliteConversationStore(section),
            "DynamoDb" => builder.Services.AddDynamoDbConversationStore(section),
            _ => throw Unsupported("Storage:Provider", provider, "Sqlite, DynamoDb"),
        };
        return builder;
    }

    public static IHostApplicationBuilder AddChatBotCache(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(ContextCacheOptions.SectionName);
        var provider = section["Provider"] ?? "Memory";
        _ = provider switch
        {
            "Memory" => builder.Services.AddInProcessContextCache(),
            "Redis" => builder.Services.AddRedisContextCache(section),
            _ => throw Unsupported("Cache:Provider", provider, "Memory, Redis"),
        };
        return builder;
    }

    public static IHostApplicationBuilder AddChatBotModel(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Llm");
        var provider = section["Provider"] ?? "LlamaSharp";
        FlatLlmSettings.Nest(builder, provider);
        var chatClient = provider switch
        {
            "LlamaSharp" => builder.Services.AddLlamaSharpChatClient(section),
            "Bedrock" => builder.Services.AddBedrockChatClient(section),
            "OpenAI" => builder.Services.AddOpenAICompatibleChatClient(section),
            _ => throw Unsupported("Llm:Provider", provider, "LlamaSharp, Bedrock, OpenAI"),
        };
        // Every backend gets the same logging and telemetry; prompts and answers only appear at Debug/Trace.
        chatClient.UseLogging().UseChatBotTelemetry();
        return builder;
    }

    private static StartupException Unsupported(string key, string? value, string allowed) =>
        new($"{key} is '{value}', which is not supported. Use one of: {allowed}.");
}
