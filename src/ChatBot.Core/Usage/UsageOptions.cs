using System.ComponentModel.DataAnnotations;

namespace ChatBot.Core.Usage;

/// <summary>Per-user limits, the model's fair gate, admins and model prices, bound from the <c>Usage</c> configuration section.</summary>
public sealed class UsageOptions
{
    public const string SectionName = "Usage";

    /// <summary>Everyone's limits, unless an admin has stored other ones for a user.</summary>
    [Required]
    public UserLimits Limits { get; set; } = new();

    /// <summary>
    /// How many answers this process lets the model write at once; more wait in the fair gate, the user with fewer answers
    /// in flight first. Match it to the model backend's own concurrency (Llm:MaxConcurrentRequests locally), so the model
    /// never queues on its own, first come first served.
    /// </summary>
    [Range(1, 1024, ErrorMessage = "Usage:ModelSlots must be between 1 and 1024.")]
    public int ModelSlots { get; set; } = 2;

    /// <summary>
    /// Local mode only (Auth:Mode=Development): the user ids that may use the admin routes. With Cognito, admins are the
    /// members of the user pool's <c>admins</c> group instead.
    /// </summary>
    public List<string> Admins { get; set; } = [];

    /// <summary>Price per million tokens by model id, for the admin usage view's cost estimate. A model with no price shows no cost.</summary>
    public Dictionary<string, ModelPrice> Prices { get; set; } = [];
}

/// <summary>One user's limits. Zero refuses everything of that kind (a way to pause a user).</summary>
public sealed record UserLimits
{
    /// <summary>Answers one user may have being written at the same time, across every instance.</summary>
    [Range(0, 1000)]
    public int AnswersAtOnce { get; set; } = 2;

    /// <summary>Messages (turns, including regenerations) one user may send per clock minute (UTC).</summary>
    [Range(0, 100_000)]
    public int MessagesPerMinute { get; set; } = 10;

    /// <summary>Conversations one user may create per day (UTC).</summary>
    [Range(0, 1_000_000)]
    public int ConversationsPerDay { get; set; } = 100;

    /// <summary>
    /// Model tokens (input and output) one user may use per day (UTC), as the provider reports them; when it reports none,
    /// as the app counts them (about four characters a token). A turn that starts under the budget is answered in full.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long TokensPerDay { get; set; } = 300_000;

    /// <summary>These limits with each value the override sets replaced.</summary>
    public UserLimits With(UserLimitsOverride? change) => change is null ? this : new UserLimits
    {
        AnswersAtOnce = change.AnswersAtOnce ?? AnswersAtOnce,
        MessagesPerMinute = change.MessagesPerMinute ?? MessagesPerMinute,
        ConversationsPerDay = change.ConversationsPerDay ?? ConversationsPerDay,
        TokensPerDay = change.TokensPerDay ?? TokensPerDay,
    };
}

/// <summary>What an admin stored for one user: each value set replaces the configured default, each null keeps it.</summary>
public sealed record UserLimitsOverride(int? AnswersAtOnce, int? MessagesPerMinute, int? ConversationsPerDay, long? TokensPerDay)
{
    public bool IsEmpty => AnswersAtOnce is null && MessagesPerMinute is null && ConversationsPerDay is null && TokensPerDay is null;
}

/// <summary>US dollars per million tokens.</summary>
public sealed class ModelPrice
{
    [Range(0, 1_000_000)]
    public decimal InputPerMillionTokens { get; set; }

    [Range(0, 1_000_000)]
    public decimal OutputPerMillionTokens { get; set; }
}
