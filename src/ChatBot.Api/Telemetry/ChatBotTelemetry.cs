using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ChatBot.Api.Telemetry;

/// <summary>
/// ChatBot's own spans and instruments. Both are free when nothing listens: an unobserved <see cref="ActivitySource"/>
/// starts no activity and an unobserved instrument records nothing, so they cost nothing while telemetry is off.
/// </summary>
public static class ChatBotTelemetry
{
    /// <summary>
    /// Fine enough that a percentile read from the buckets (CloudWatch computes p50/p99 from them) is within a bucket of the
    /// truth for a chat answer, from a cached model's first token to a five-minute answer.
    /// (Declared first: static fields initialise in order, and the histograms below read it.)
    /// </summary>
    private static readonly double[] SecondsBuckets =
        [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 7.5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300];

    public static readonly ActivitySource Source = new(TelemetryNames.Source);
    public static readonly Meter Meter = new(TelemetryNames.Source);

    public static readonly Counter<long> Turns = Meter.CreateCounter<long>(TelemetryNames.Turns, "{turn}", "Turns answered");

    public static readonly Histogram<double> TimeToFirstToken = Meter.CreateHistogram(
        TelemetryNames.TimeToFirstToken, "s", "Time from the prompt to the first text of the answer",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });

    public static readonly Histogram<double> TurnDuration = Meter.CreateHistogram(
        TelemetryNames.TurnDuration, "s", "Time from the prompt to the end of the answer",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });

    public static readonly Histogram<double> TokensPerSecond = Meter.CreateHistogram(
        TelemetryNames.TokensPerSecond, "{token}/s", "Output tokens per second after the first one",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 2, 5, 10, 15, 20, 30, 40, 50, 75, 100, 150, 200, 300, 500] });

    public static readonly Counter<long> InputTokens = Meter.CreateCounter<long>(TelemetryNames.InputTokens, "{token}", "Prompt tokens sent to the model");
    public static readonly Counter<long> OutputTokens = Meter.CreateCounter<long>(TelemetryNames.OutputTokens, "{token}", "Answer tokens from the model");
    public static readonly Counter<long> ModelErrors = Meter.CreateCounter<long>(TelemetryNames.ModelErrors, "{error}", "Model failures by kind");
    public static readonly Counter<long> CacheHits = Meter.CreateCounter<long>(TelemetryNames.CacheHits, "{lookup}", "Context cache hits");
    public static readonly Counter<long> CacheMisses = Meter.CreateCounter<long>(TelemetryNames.CacheMisses, "{lookup}", "Context cache misses");

    public static readonly Counter<long> LimitRejections = Meter.CreateCounter<long>(
        TelemetryNames.LimitRejections, "{request}", "Requests refused because a user reached a limit");
}
