using ChatBot.Core;

namespace ChatBot.Api.Infrastructure;

/// <summary>
/// Each model backend's settings nest under its name (<c>Llm:LlamaSharp:ModelPath</c>, <c>Llm:Bedrock:Region</c>,
/// <c>Llm:OpenAI:Endpoint</c>), as storage and cache settings do. Earlier versions read them flat (<c>Llm:ModelPath</c>), and
/// deployed environments may still set them so: a flat key keeps working, read as the chosen backend's key unless that one is
/// set too, and the app warns at startup with the key to use instead. <c>Llm:MaxOutputTokens</c> is read as
/// <c>Chat:MaxOutputTokens</c>, the one answer budget.
/// </summary>
internal static partial class FlatLlmSettings
{
    public static void Nest(IHostApplicationBuilder builder, string provider)
    {
        var copies = new Dictionary<string, string?>();
        var renames = new List<(string Flat, string Nested)>();
        foreach (var setting in builder.Configuration.GetSection("Llm").GetChildren())
        {
            // Provider stays where it is; sections (Llm:LlamaSharp) are the nested settings themselves.
            if (setting.Key == "Provider" || setting.Value is null || setting.GetChildren().Any())
            {
                continue;
            }

            var nested = setting.Key == "MaxOutputTokens"
                ? $"{ChatServiceOptions.SectionName}:{nameof(ChatServiceOptions.MaxOutputTokens)}"
                : $"Llm:{provider}:{setting.Key}";
            if (builder.Configuration[nested] is null)
            {
                copies[nested] = setting.Value;
            }

            renames.Add(($"Llm:{setting.Key}", nested));
        }

        if (renames.Count == 0)
        {
            return;
        }

        builder.Configuration.AddInMemoryCollection(copies);
        builder.Services.RunAtStartup((services, _) =>
        {
            var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("ChatBot.Configuration");
            foreach (var (flat, nested) in renames)
            {
                LogFlatSetting(logger, flat, nested);
            }

            return Task.CompletedTask;
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The setting {Flat} is read as {Nested}: rename it (in environment variables, __ stands for :)")]
    private static partial void LogFlatSetting(ILogger logger, string flat, string nested);
}
