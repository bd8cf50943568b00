using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ChatBot.Llm.Bedrock;

/// <summary>Reads the JSON shapes Converse and ConverseStream answer with into Microsoft.Extensions.AI content.</summary>
internal static class ConverseEvents
{
    /// <summary>Bedrock's own latency measurement, passed on in <see cref="ChatResponseUpdate.AdditionalProperties"/>.</summary>
    public const string LatencyMsProperty = "bedrock.latencyMs";

    /// <summary>
    /// A <c>contentBlockDelta</c> payload: <c>{"delta":{"text":"..."}}</c> for answer text, or
    /// <c>{"delta":{"reasoningContent":{"text":"..."}}}</c> for a reasoning model's thinking (gpt-oss, DeepSeek R1), which is
    /// surfaced as <see cref="TextReasoningContent"/> so that it never becomes part of the stored answer text.
    /// </summary>
    public static AIContent? ReadDelta(JsonElement payload)
    {
        if (!payload.TryGetProperty("delta", out var delta) || delta.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (delta.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
        {
            return new TextContent(text.GetString());
        }

        if (delta.TryGetProperty("reasoningContent", out var reasoning)
            && reasoning.ValueKind == JsonValueKind.Object
            && reasoning.TryGetProperty("text", out var reasoningText)
            && reasoningText.ValueKind == JsonValueKind.String)
        {
            return new TextReasoningContent(reasoningText.GetString());
        }

        // Tool-use input, reasoning signatures and redacted reasoning carry nothing ChatBot shows.
        return null;
    }

    /// <summary>The <c>usage</c> object of a <c>metadata</c> event or a Converse response.</summary>
    public static UsageDetails? ReadUsage(JsonElement container)
    {
        if (!container.TryGetProperty("usage", out var usage) || usage.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        return new UsageDetails
        {
            InputTokenCount = ReadLong(usage, "inputTokens"),
            OutputTokenCount = ReadLong(usage, "outputTokens"),
            TotalTokenCount = ReadLong(usage, "totalTokens"),
            CachedInputTokenCount = ReadLong(usage, "cacheReadInputTokens"),
        };
    }

    public static long? ReadLatencyMs(JsonElement container) =>
        container.TryGetProperty("metrics", out var metrics) && metrics.ValueKind == JsonValueKind.Object
            ? ReadLong(metrics, "latencyMs")
            : null;

    public static string? ReadStopReason(JsonElement container) =>
        container.TryGetProperty("stopReason", out var reason) && reason.ValueKind == JsonValueKind.String ? reason.GetString() : null;

    public static ChatFinishReason? ToFinishReason(string? stopReason) => stopReason switch
    {
        null => null,
        "end_turn" or "stop_sequence" => ChatFinishReason.Stop,
        "max_tokens" or "model_context_window_exceeded" => ChatFinishReason.Length,
        "tool_use" => ChatFinishReason.ToolCalls,
        "guardrail_intervened" or "content_filtered" => ChatFinishReason.ContentFilter,
        _ => new ChatFinishReason(stopReason),
    };

    /// <summary>A Converse response's <c>output.message.content</c> blocks: text, and reasoning kept apart from it.</summary>
    public static List<AIContent> ReadOutputContents(JsonElement response)
    {
        var contents = new List<AIContent>();
        if (!response.TryGetProperty("output", out var output)
            || !output.TryGetProperty("message", out var message)
            || !message.TryGetProperty("content", out var blocks)
            || blocks.ValueKind != JsonValueKind.Array)
        {
            return contents;
        }

        foreach (var block in blocks.EnumerateArray())
        {
            if (block.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
            {
                contents.Add(new TextContent(text.GetString()));
            }
            else if (block.TryGetProperty("reasoningContent", out var reasoning)
                && reasoning.TryGetProperty("reasoningText", out var reasoningText)
                && reasoningText.TryGetProperty("text", out var thought)
                && thought.ValueKind == JsonValueKind.String)
            {
                contents.Add(new TextReasoningContent(thought.GetString()));
            }
        }

        return contents;
    }

    /// <summary>The <c>message</c> of an error body or exception frame (<c>{"message": "..."}</c>, sometimes <c>Message</c>).</summary>
    public static string? ReadErrorMessage(ReadOnlySpan<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.NameEquals("message") || property.NameEquals("Message"))
                {
                    return property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.ToString();
                }
            }

            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The <c>__type</c> of a restJson1 error body, used when the <c>X-Amzn-ErrorType</c> header is missing.</summary>
    public static string? ReadErrorType(ReadOnlySpan<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("__type", out var type)
                && type.ValueKind == JsonValueKind.String
                    ? type.GetString()
                    : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static long? ReadLong(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)
            ? number
            : null;
}
