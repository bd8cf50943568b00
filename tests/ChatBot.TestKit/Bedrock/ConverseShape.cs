using System.Text.Json;

namespace ChatBot.TestKit.Bedrock;

/// <summary>
/// The documented shape of a Converse and ConverseStream request body, as far as ChatBot uses it, with the rules Bedrock
/// enforces: at least one message, the first from the user, roles alternating, no blank text blocks, and inference
/// parameters in range.
/// </summary>
public static class ConverseShape
{
    private static readonly HashSet<string> TopLevelFields =
    [
        "messages", "system", "inferenceConfig", "toolConfig", "guardrailConfig", "additionalModelRequestFields",
        "promptVariables", "additionalModelResponseFieldPaths", "requestMetadata", "performanceConfig",
    ];

    private static readonly HashSet<string> InferenceFields = ["maxTokens", "temperature", "topP", "stopSequences"];

    public static void Check(byte[] body, List<string> problems)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            problems.Add($"The body is not JSON: {ex.Message}");
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problems.Add("The body is not a JSON object.");
                return;
            }

            foreach (var property in root.EnumerateObject())
            {
                if (!TopLevelFields.Contains(property.Name))
                {
                    problems.Add($"Unknown field '{property.Name}'.");
                }
            }

            CheckMessages(root, problems);
            if (root.TryGetProperty("system", out var system))
            {
                CheckTextBlocks(system, "system", problems);
            }

            if (root.TryGetProperty("inferenceConfig", out var inference))
            {
                CheckInferenceConfig(inference, problems);
            }
        }
    }

    private static void CheckMessages(JsonElement root, List<string> problems)
    {
        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
        {
            problems.Add("'messages' must be a non-empty array.");
            return;
        }

        string? previousRole = null;
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var role = message.ValueKind == JsonValueKind.Object && message.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String
                ? r.GetString()
                : null;
            if (role is not ("user" or "assistant"))
            {
                problems.Add($"messages[{index}].role must be 'user' or 'assistant'.");
            }
            else if (index == 0 && role != "user")
            {
                problems.Add("A conversation must start with a user message.");
            }
            else if (role == previousRole)
            {
                problems.Add($"A conversation must alternate between user and assistant roles (messages[{index}]).");
            }

            if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("content", out var content))
            {
                CheckTextBlocks(content, $"messages[{index}].content", problems);
            }
            else
            {
                problems.Add($"messages[{index}].content is missing.");
            }

            previousRole = role;
            index++;
        }
    }

    private static void CheckTextBlocks(JsonElement blocks, string path, List<string> problems)
    {
        if (blocks.ValueKind != JsonValueKind.Array || blocks.GetArrayLength() == 0)
        {
            problems.Add($"{path} must be a non-empty array of content blocks.");
            return;
        }

        var index = 0;
        foreach (var block in blocks.EnumerateArray())
        {
            if (block.ValueKind != JsonValueKind.Object
                || !block.TryGetProperty("text", out var text)
                || text.ValueKind != JsonValueKind.String
                || string.IsNullOrWhiteSpace(text.GetString()))
            {
                problems.Add($"{path}[{index}] must be a block with non-blank 'text'.");
            }

            index++;
        }
    }

    private static void CheckInferenceConfig(JsonElement config, List<string> problems)
    {
        if (config.ValueKind != JsonValueKind.Object)
        {
            problems.Add("'inferenceConfig' must be an object.");
            return;
        }

        foreach (var property in config.EnumerateObject())
        {
            if (!InferenceFields.Contains(property.Name))
            {
                problems.Add($"Unknown field 'inferenceConfig.{property.Name}'.");
            }
        }

        if (config.TryGetProperty("maxTokens", out var maxTokens) && (!maxTokens.TryGetInt32(out var max) || max < 1))
        {
            problems.Add("inferenceConfig.maxTokens must be a whole number of at least 1.");
        }

        foreach (var name in new[] { "temperature", "topP" })
        {
            if (config.TryGetProperty(name, out var value) && (value.ValueKind != JsonValueKind.Number || value.GetDouble() is < 0 or > 1))
            {
                problems.Add($"inferenceConfig.{name} must be a number from 0 to 1.");
            }
        }

        if (config.TryGetProperty("stopSequences", out var stops)
            && (stops.ValueKind != JsonValueKind.Array || stops.EnumerateArray().Any(s => s.ValueKind != JsonValueKind.String)))
        {
            problems.Add("inferenceConfig.stopSequences must be an array of strings.");
        }
    }
}
