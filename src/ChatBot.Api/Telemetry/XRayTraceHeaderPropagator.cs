using System.Diagnostics;

namespace ChatBot.Api.Telemetry;

/// <summary>
/// Lets a request that arrives with API Gateway's <c>X-Amzn-Trace-Id</c> (and no W3C <c>traceparent</c>) continue that
/// X-Ray trace: <c>Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1</c> becomes the parent
/// <c>00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01</c>, the same mapping the AWS OpenTelemetry distro uses. So the
/// trace id in every log line and in every problem a user is shown is the X-Ray trace id, without its dashes.
/// Everything else (W3C headers, baggage, injection) is the default propagator's.
/// </summary>
public sealed class XRayTraceHeaderPropagator(DistributedContextPropagator inner) : DistributedContextPropagator
{
    public const string HeaderName = "X-Amzn-Trace-Id";

    public override IReadOnlyCollection<string> Fields => [.. inner.Fields, HeaderName];

    public override void Inject(Activity? activity, object? carrier, PropagatorSetterCallback? setter) => inner.Inject(activity, carrier, setter);

    public override IEnumerable<KeyValuePair<string, string?>>? ExtractBaggage(object? carrier, PropagatorGetterCallback? getter) =>
        inner.ExtractBaggage(carrier, getter);

    public override void ExtractTraceIdAndState(object? carrier, PropagatorGetterCallback? getter, out string? traceId, out string? traceState)
    {
        inner.ExtractTraceIdAndState(carrier, getter, out traceId, out traceState);
        if (traceId is null && getter is not null)
        {
            getter(carrier, HeaderName, out var header, out _);
            traceId = ToTraceParent(header);
        }
    }

    /// <summary>The W3C traceparent for an X-Ray trace header, or null when the header is missing or malformed.</summary>
    public static string? ToTraceParent(string? header)
    {
        if (string.IsNullOrEmpty(header))
        {
            return null;
        }

        string? root = null;
        string? parent = null;
        var sampled = false;
        foreach (var part in header.Split(';', StringSplitOptions.TrimEntries))
        {
            if (part.StartsWith("Root=", StringComparison.Ordinal))
            {
                root = part["Root=".Length..];
            }
            else if (part.StartsWith("Parent=", StringComparison.Ordinal))
            {
                parent = part["Parent=".Length..];
            }
            else if (part == "Sampled=1")
            {
                sampled = true;
            }
        }

        // Root is 1-<8 hex time>-<24 hex random>; Parent is 16 hex. Without a parent the request starts the span tree.
        if (root is not { Length: 35 } || !root.StartsWith("1-", StringComparison.Ordinal) || root[10] != '-')
        {
            return null;
        }

        var traceId = string.Concat(root.AsSpan(2, 8), root.AsSpan(11, 24));
        parent ??= ActivitySpanId.CreateRandom().ToHexString();
        if (!IsHex(traceId) || parent.Length != 16 || !IsHex(parent))
        {
            return null;
        }

        return $"00-{traceId.ToLowerInvariant()}-{parent.ToLowerInvariant()}-{(sampled ? "01" : "00")}";
    }

    private static bool IsHex(string value) => value.All(char.IsAsciiHexDigit);
}
