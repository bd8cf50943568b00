using Microsoft.Extensions.Options;

namespace ChatBot.Core.Usage;

/// <summary>Per-user limits, the model's fair gate, admins and model prices, bound from the <c>Usage</c> configuration section.</summary>
public sealed class UsageOptions
{
    public const string SectionName = "Usage";

    /// <summary>Everyone's limits, unless an admin has stored other ones for a user.</summary>
    public UserLimits Limits { get; set; } = new();

    /// <summary>
    /// How many answers this process lets the model write at once; more wait in the fair gate, the user with fewer answers
    /// in flight first. Match it to the model backend's own concurrency (Llm:MaxConcurrentRequests locally), so the model
    /// never queues on its own, first come first served.
    /// </summary>
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
    // The largest values accepted, in configuration and from an admin (the same checks, UsageOptionsValidator and the admin API).
    public const int MaxAnswersAtOnce = 1000;
    public const int MaxMessagesPerMinute = 100_000;
    public const int MaxConversationsPerDay = 1_000_000;
    public const long MaxTokensPerDay = 1_000_000_000_000;

    /// <summary>Answers one user may have being written at the same time, across every instance.</summary>
    public int AnswersAtOnce { get; set; } = 2;

    /// <summary>Messages (turns, including regenerations) one user may send per clock minute (UTC).</summary>
    public int MessagesPerMinute { get; set; } = 10;

    /// <summary>Conversations one user may create per day (UTC).</summary>
    public int ConversationsPerDay { get; set; } = 100;

    /// <summary>
    /// Model tokens (input and output) one user may use per day (UTC), as the provider reports them; when it reports none,
    /// as the app counts them (about four characters a token). A turn that starts under the budget is answered in full.
    /// </summary>
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
    public decimal InputPerMillionTokens { get; set; }

    public decimal OutputPerMillionTokens { get; set; }
}

/// <summary>Names each bad <c>Usage</c> setting; the limits' ranges are the ones the admin API applies to one user.</summary>
internal sealed class UsageOptionsValidator : IValidateOptions<UsageOptions>
{
    public ValidateOptionsResult Validate(string? name, UsageOptions options)
    {
        var failures = new List<string>();
        var limits = options.Limits;
        failures.CheckRange("Usage:Limits:AnswersAtOnce", limits.AnswersAtOnce, 0, UserLimits.MaxAnswersAtOnce);
        failures.CheckRange("Usage:Limits:MessagesPerMinute", limits.MessagesPerMinute, 0, UserLimits.MaxMessagesPerMinute);
        failures.CheckRange("Usage:Limits:ConversationsPerDay", limits.ConversationsPerDay, 0, UserLimits.MaxConversationsPerDay);
        failures.CheckRange("Usage:Limits:TokensPerDay", limits.TokensPerDay, 0, UserLimits.MaxTokensPerDay);
        failures.CheckRange("Usage:ModelSlots", options.ModelSlots, 1, 1024);
        foreach (var (model, price) in options.Prices)
        {
            if (price.InputPerMillionTokens is < 0 or > 1_000_000 || price.OutputPerMillionTokens is < 0 or > 1_000_000)
            {
                failures.Add($"Usage:Prices:{model} must have InputPerMillionTokens and OutputPerMillionTokens between 0 and 1000000 (US dollars).");
            }
        }

        return failures.ToResult();
    }
}
