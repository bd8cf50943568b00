using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ChatBot.Llm.Bedrock;

/// <summary>Writes the body shared by Converse and ConverseStream: <c>messages</c>, <c>system</c> and <c>inferenceConfig</c>.</summary>
internal static class ConverseRequest
{
    public static byte[] Build(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        var system = new List<string>();
        if (!string.IsNullOrWhiteSpace(options?.Instructions))
        {
            system.Add(options.Instructions);
        }

        var turns = new List<(string Role, List<string> Texts)>();
        foreach (var message in messages)
        {
            var text = message.Text;
            if (string.IsNullOrWhiteSpace(text))
            {
                // Bedrock rejects blank text blocks, and an empty (failed) answer tells the model nothing.
                continue;
            }

            if (message.Role == ChatRole.System)
            {
                system.Add(text);
                continue;
            }

            var role = message.Role == ChatRole.Assistant ? "assistant" : "user";
            if (turns.Count == 0 && role == "assistant")
            {
                // Converse requires the conversation to open with a user turn; trimmed history can start with an answer.
                continue;
            }

            if (turns.Count > 0 && turns[^1].Role == role)
            {
                // Converse requires roles to alternate; a question whose answer failed is followed by another question.
                turns[^1].Texts.Add(text);
            }
            else
            {
                turns.Add((role, [text]));
            }
        }

        if (turns.Count == 0)
        {
            throw new ArgumentException("The conversation has no user message to answer.", nameof(messages));
        }

        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("messages");
            foreach (var (role, texts) in turns)
            {
                json.WriteStartObject();
                json.WriteString("role", role);
                WriteTextBlocks(json, "content", texts);
                json.WriteEndObject();
            }

            json.WriteEndArray();

            if (system.Count > 0)
            {
                WriteTextBlocks(json, "system", system);
            }

            WriteInferenceConfig(json, options);
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteTextBlocks(Utf8JsonWriter json, string propertyName, List<string> texts)
    {
        json.WriteStartArray(propertyName);
        foreach (var text in texts)
        {
            json.WriteStartObject();
            json.WriteString("text", text);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WriteInferenceConfig(Utf8JsonWriter json, ChatOptions? options)
    {
        if (options is null
            || (options.MaxOutputTokens is null && options.Temperature is null && options.TopP is null && options.StopSequences is not { Count: > 0 }))
        {
            return;
        }

        json.WriteStartObject("inferenceConfig");
        if (options.MaxOutputTokens is { } maxTokens)
        {
            json.WriteNumber("maxTokens", maxTokens);
        }

        // Converse takes both from 0 to 1 and rejects anything else; OpenAI-style temperatures go up to 2.
        if (options.Temperature is { } temperature)
        {
            json.WriteNumber("temperature", Math.Clamp(temperature, 0f, 1f));
        }

        if (options.TopP is { } topP)
        {
            json.WriteNumber("topP", Math.Clamp(topP, 0f, 1f));
        }

        if (options.StopSequences is { Count: > 0 } stops)
        {
            json.WriteStartArray("stopSequences");
            foreach (var stop in stops)
            {
                json.WriteStringValue(stop);
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }
}
