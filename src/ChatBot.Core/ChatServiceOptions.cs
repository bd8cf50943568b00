using System.ComponentModel.DataAnnotations;

namespace ChatBot.Core;

/// <summary>How conversations behave, bound from the <c>Chat</c> configuration section.</summary>
public sealed class ChatServiceOptions
{
    public const string SectionName = "Chat";

    /// <summary>Sent before every conversation. Empty sends none.</summary>
    public string SystemPrompt { get; set; } = "You are ChatBot, a helpful and concise assistant. Answer in Markdown.";

    /// <summary>The largest user message accepted, in UTF-8 bytes.</summary>
    [Range(1, 1_048_576, ErrorMessage = "Chat:MaxMessageBytes must be between 1 and 1048576.")]
    public int MaxMessageBytes { get; set; } = 16 * 1024;

    /// <summary>How many earlier messages are sent to the model with each turn; the model backend may trim further to fit its window.</summary>
    [Range(0, 500, ErrorMessage = "Chat:HistoryMessages must be between 0 and 500.")]
    public int HistoryMessages { get; set; } = 20;

    [Range(1, 32_768, ErrorMessage = "Chat:MaxOutputTokens must be between 1 and 32768.")]
    public int MaxOutputTokens { get; set; } = 1024;

    /// <summary>Sampling temperature; 0 is greedy and deterministic.</summary>
    [Range(0.0, 2.0, ErrorMessage = "Chat:Temperature must be between 0 and 2.")]
    public float Temperature { get; set; } = 0.7f;

    [Range(1, 500, ErrorMessage = "Chat:MaxTitleLength must be between 1 and 500.")]
    public int MaxTitleLength { get; set; } = 200;

    /// <summary>
    /// The longest an answer may take; the model is stopped then and the answer kept as failed. The conversation's turn lease
    /// lasts a minute longer, so it never lapses under a live answer, and frees the conversation this long after an instance dies.
    /// </summary>
    [Range(10, 3600, ErrorMessage = "Chat:MaxAnswerSeconds must be between 10 and 3600.")]
    public int MaxAnswerSeconds { get; set; } = 600;

    /// <summary>How long a turn lease lasts: <see cref="MaxAnswerSeconds"/> and a minute to store the answer.</summary>
    public TimeSpan TurnLeaseDuration => TimeSpan.FromSeconds(MaxAnswerSeconds + 60);
}
