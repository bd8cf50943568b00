namespace ChatBot.TestKit;

/// <summary>
/// The configuration every in-test ChatBot starts from: local mode (development identity, SQLite, in-process cache) and
/// the real embedded backend on the tiny generated model, which answers every chat with
/// <see cref="TinyGgufModel.ExpectedChatAnswer"/>. Deterministic: temperature 0 and no system prompt.
/// </summary>
public static class TestAppSettings
{
    // Written once per test run.
    private static readonly Lazy<string> ModelPath = new(() => TinyGgufModel.WriteTempFile());

    public static IEnumerable<KeyValuePair<string, string?>> Model =>
    [
        new("Llm:Provider", "LlamaSharp"),
        new("Llm:LlamaSharp:ModelPath", ModelPath.Value),
        new("Llm:LlamaSharp:Threads", "1"),
        new("Llm:LlamaSharp:ContextSize", "512"),
        new("Chat:MaxOutputTokens", "64"),
    ];

    /// <summary>A new dictionary, so each app can add its own settings; the store lives in <paramref name="dataDirectory"/>.</summary>
    public static Dictionary<string, string?> Local(string dataDirectory) => new(
    [
        new("Auth:Mode", "Development"),
        new("Storage:Provider", "Sqlite"),
        new("Storage:Sqlite:Path", Path.Combine(dataDirectory, "chatbot.db")),
        new("Cache:Provider", "Memory"),
        new("Chat:Temperature", "0"),
        new("Chat:SystemPrompt", ""),
        // Tests about anything but limits run without them; UsageLimitsApiTests sets the product's defaults.
        new("Usage:Limits:AnswersAtOnce", "1000"),
        new("Usage:Limits:MessagesPerMinute", "100000"),
        new("Usage:Limits:ConversationsPerDay", "1000000"),
        new("Usage:Limits:TokensPerDay", "1000000000000"),
        .. Model,
    ]);
}
