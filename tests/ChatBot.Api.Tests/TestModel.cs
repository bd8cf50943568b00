using ChatBot.TestKit;

namespace ChatBot.Api.Tests;

/// <summary>The real embedded backend on the tiny generated model, written once per test run. It answers every chat with
/// <see cref="TinyGgufModel.ExpectedChatAnswer"/>.</summary>
public static class TestModel
{
    private static readonly Lazy<string> Path = new(() => TinyGgufModel.WriteTempFile());

    public static IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Llm:Provider", "LlamaSharp"),
        new("Llm:ModelPath", Path.Value),
        new("Llm:Threads", "1"),
        new("Llm:ContextSize", "512"),
        new("Llm:MaxOutputTokens", "64"),
        new("Chat:MaxOutputTokens", "64"),
    ];
}
