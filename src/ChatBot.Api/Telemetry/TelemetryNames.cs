namespace ChatBot.Api.Telemetry;

/// <summary>
/// The names ChatBot's telemetry is published under. One file with no dependencies, so the CDK app compiles the same
/// constants into its dashboard and alarms (a renamed metric cannot leave a graph or an alarm reading nothing).
/// </summary>
public static class TelemetryNames
{
    /// <summary>The ActivitySource and Meter name, and the CloudWatch namespace of the embedded metrics.</summary>
    public const string Source = "ChatBot";

    /// <summary>Turns answered, whatever way they ended (dimension <see cref="OutcomeTag"/>).</summary>
    public const string Turns = "chatbot.turns";

    /// <summary>Seconds from sending the prompt to the first text of the answer.</summary>
    public const string TimeToFirstToken = "chatbot.model.time_to_first_token";

    /// <summary>Seconds from sending the prompt to the end of the answer.</summary>
    public const string TurnDuration = "chatbot.model.duration";

    /// <summary>Output tokens per second of streaming, after the first token.</summary>
    public const string TokensPerSecond = "chatbot.model.tokens_per_second";

    public const string InputTokens = "chatbot.model.input_tokens";
    public const string OutputTokens = "chatbot.model.output_tokens";

    /// <summary>Model failures (dimension <see cref="KindTag"/>: Throttled, Unavailable, AccessDenied, InvalidRequest, Failed).</summary>
    public const string ModelErrors = "chatbot.model.errors";

    public const string CacheHits = "chatbot.cache.hits";
    public const string CacheMisses = "chatbot.cache.misses";

    /// <summary>Requests refused because a user reached one of their limits (dimension <see cref="LimitTag"/>).</summary>
    public const string LimitRejections = "chatbot.limits.rejections";

    public const string OutcomeTag = "outcome";
    public const string KindTag = "kind";
    public const string LimitTag = "limit";
}
