using Microsoft.Extensions.Options;

namespace ChatBot.Core;

/// <summary>How conversations behave, bound from the <c>Chat</c> configuration section.</summary>
public sealed class ChatServiceOptions
{
    public const string SectionName = "Chat";

    /// <summary>Sent before every conversation. Empty sends none.</summary>
    public string SystemPrompt { get; set; } = "You are ChatBot, a helpful and concise assistant. Answer in Markdown.";

    /// <summary>The largest user message accepted, in UTF-8 bytes.</summary>
    public int MaxMessageBytes { get; set; } = 16 * 1024;

    /// <summary>How many earlier messages are sent to the model with each turn; the model backend may trim further to fit its window.</summary>
    public int HistoryMessages { get; set; } = 20;

    public int MaxOutputTokens { get; set; } = 1024;

    /// <summary>Sampling temperature; 0 is greedy and deterministic.</summary>
    public float Temperature { get; set; } = 0.7f;

    public int MaxTitleLength { get; set; } = 200;

    /// <summary>
    /// The longest an answer may take; the model is stopped then and the answer kept as failed. The conversation's turn lease
    /// lasts a minute longer, so it never lapses under a live answer, and frees the conversation this long after an instance dies.
    /// </summary>
    public int MaxAnswerSeconds { get; set; } = 600;

    /// <summary>How long a turn lease lasts: <see cref="MaxAnswerSeconds"/> and a minute to store the answer.</summary>
    public TimeSpan TurnLeaseDuration => TimeSpan.FromSeconds(MaxAnswerSeconds + 60);
}

/// <summary>Stops the app at startup when a <c>Chat</c> setting is out of range, naming it.</summary>
internal sealed class ChatServiceOptionsValidator : IValidateOptions<ChatServiceOptions>
{
    public ValidateOptionsResult Validate(string? name, ChatServiceOptions options)
    {
        var failures = new List<string>();
        failures.CheckRange("Chat:MaxMessageBytes", options.MaxMessageBytes, 1, 1_048_576);
        failures.CheckRange("Chat:HistoryMessages", options.HistoryMessages, 0, 500);
        failures.CheckRange("Chat:MaxOutputTokens", options.MaxOutputTokens, 1, 32_768);
        if (!(options.Temperature is >= 0f and <= 2f))
        {
            failures.Add("Chat:Temperature must be between 0 and 2.");
        }

        failures.CheckRange("Chat:MaxTitleLength", options.MaxTitleLength, 1, 500);
        failures.CheckRange("Chat:MaxAnswerSeconds", options.MaxAnswerSeconds, 10, 3600);
        return failures.ToResult();
    }
}
