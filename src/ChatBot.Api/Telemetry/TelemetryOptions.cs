using ChatBot.Core;
using Microsoft.Extensions.Options;

namespace ChatBot.Api.Telemetry;

/// <summary>
/// Where telemetry goes, bound from the <c>Telemetry</c> section. All off by default: with no exporter the OpenTelemetry SDK
/// is not even registered. Setting <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> sends traces and metrics to that OTLP endpoint.
/// </summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>Print spans and metrics on the console (local troubleshooting).</summary>
    public bool Console { get; set; }

    /// <summary>Write ChatBot's metrics as CloudWatch embedded metric format lines in the log (set by the stack on AWS).</summary>
    public bool Emf { get; set; }

    /// <summary>How often metrics are exported, in seconds (console, OTLP and EMF alike).</summary>
    public int MetricsIntervalSeconds { get; set; } = 60;

    /// <summary>
    /// Put prompts and answers on the model spans. For debugging only: it copies what users wrote into whatever receives
    /// the traces. (Logs carry message content only at Trace level, under the same rule.)
    /// </summary>
    public bool IncludeMessageContent { get; set; }
}

/// <summary>Stops the app at startup when a <c>Telemetry</c> setting is out of range, naming it.</summary>
internal sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        var failures = new List<string>();
        failures.CheckRange("Telemetry:MetricsIntervalSeconds", options.MetricsIntervalSeconds, 1, 3600);
        return failures.ToResult();
    }
}
