using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatBot.Llm.OpenAI;

// The chat completions wire format, as much of it as ChatBot sends and reads. Names follow the API (snake_case).

internal sealed record CompletionRequest(
    string Model,
    IReadOnlyList<WireMessage> Messages,
    bool Stream,
    StreamOptions? StreamOptions,
    // max_tokens rather than OpenAI's newer max_completion_tokens: every self-hosted server reads it.
    int? MaxTokens,
    float? Temperature,
    float? TopP,
    IList<string>? Stop,
    long? Seed,
    float? FrequencyPenalty,
    float? PresencePenalty);

internal sealed record WireMessage(string Role, string Content);

internal sealed record StreamOptions(bool IncludeUsage);

/// <summary>A whole completion, a streamed chunk of one, or an error: the three share these fields.</summary>
internal sealed record Completion(string? Id, string? Model, long? Created, IReadOnlyList<WireChoice>? Choices, WireUsage? Usage, WireError? Error);

internal sealed record WireChoice(WireMessageContent? Delta, WireMessageContent? Message, string? FinishReason);

internal sealed record WireMessageContent(string? Content);

internal sealed record WireUsage(int? PromptTokens, int? CompletionTokens, int? TotalTokens);

/// <summary>OpenAI and llama-server send <c>{"error": {"message": ...}}</c>; Ollama sends <c>{"error": "..."}</c>.</summary>
[JsonConverter(typeof(WireErrorConverter))]
internal sealed record WireError(string? Message);

internal sealed class WireErrorConverter : JsonConverter<WireError>
{
    public override WireError Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return new WireError(reader.GetString());
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return new WireError(null);
        }

        string? message = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isMessage = reader.ValueTextEquals("message"u8);
            reader.Read();
            if (isMessage && reader.TokenType == JsonTokenType.String)
            {
                message = reader.GetString();
            }
            else
            {
                reader.Skip();
            }
        }

        return new WireError(message);
    }

    public override void Write(Utf8JsonWriter writer, WireError value, JsonSerializerOptions options) =>
        throw new NotSupportedException("ChatBot only reads errors.");
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(CompletionRequest))]
[JsonSerializable(typeof(Completion))]
internal sealed partial class OpenAIJson : JsonSerializerContext;
