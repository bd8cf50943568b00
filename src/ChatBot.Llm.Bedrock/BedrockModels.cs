using ChatBot.Core;

namespace ChatBot.Llm.Bedrock;

/// <summary>The models a Bedrock deployment offers: <see cref="BedrockOptions.ModelId"/> (the default), then <see cref="BedrockOptions.Models"/>.</summary>
internal static class BedrockModels
{
    /// <summary>
    /// Names and context windows (tokens) of well-known models, from their Bedrock model cards; any other id is offered under
    /// its own name, with the window unknown. Matched on the model id without its version or inference profile prefix.
    /// </summary>
    private static readonly Dictionary<string, (string Name, int ContextWindow)> Known = new(StringComparer.Ordinal)
    {
        ["openai.gpt-oss-20b"] = ("gpt-oss-20b", 128_000),
        ["openai.gpt-oss-120b"] = ("gpt-oss-120b", 128_000),
        ["meta.llama3-3-70b-instruct"] = ("Llama 3.3 70B Instruct", 128_000),
        ["meta.llama3-1-8b-instruct"] = ("Llama 3.1 8B Instruct", 128_000),
        ["mistral.mistral-large-2407"] = ("Mistral Large (24.07)", 128_000),
        ["qwen.qwen3-32b"] = ("Qwen3 32B", 32_768),
        ["deepseek.r1"] = ("DeepSeek-R1", 128_000),
    };

    public static ModelCatalog Catalog(BedrockOptions options) =>
        new(new[] { options.ModelId }.Concat(options.Models).Where(id => !string.IsNullOrWhiteSpace(id)).Select(Describe));

    public static ModelInfo Describe(string id)
    {
        var known = Known.FirstOrDefault(k => BaseId(id).StartsWith(k.Key, StringComparison.Ordinal));
        return known.Key is null
            ? new ModelInfo(id, id, "bedrock", null)
            : new ModelInfo(id, known.Value.Name, "bedrock", known.Value.ContextWindow);
    }

    /// <summary>Drops an inference profile's geography (<c>us.</c>, <c>eu.</c>, <c>global.</c>...) so profiles match their model.</summary>
    private static string BaseId(string id)
    {
        var parts = id.Split('.');
        return parts.Length > 2 && parts[0] is "us" or "eu" or "apac" or "global" or "us-gov" or "jp" or "au" or "ca"
            ? string.Join('.', parts[1..])
            : id;
    }
}
