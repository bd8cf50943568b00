using System.Text.Json;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace ChatBot.Api.Telemetry;

/// <summary>
/// Writes metrics as CloudWatch embedded metric format (EMF): one JSON line per metric point on standard output, which
/// Lambda sends to the function's log group, where CloudWatch extracts the metric. No collector, no agent, no API call:
/// an idle deployment pays nothing, and a busy one pays log ingestion plus the custom metrics it used that hour.
/// <para>
/// A tagged point is published twice, with its tags as dimensions and without any, so a graph or alarm can read the total
/// without metric math. A histogram becomes an array of values (each bucket's representative value, repeated by its count,
/// at most <see cref="MaxValues"/> in one line): CloudWatch computes percentiles from them, to within a bucket.
/// </para>
/// </summary>
public sealed class EmfMetricExporter(TextWriter output) : BaseExporter<Metric>
{
    /// <summary>EMF accepts at most 100 values for one metric in one line.</summary>
    public const int MaxValues = 100;

    public override ExportResult Export(in Batch<Metric> batch)
    {
        foreach (var metric in batch)
        {
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                var line = Format(metric, point);
                if (line is not null)
                {
                    output.WriteLine(line);
                }
            }
        }

        output.Flush();
        return ExportResult.Success;
    }

    /// <summary>The EMF line for one point, or null when it carries nothing to publish.</summary>
    internal static string? Format(Metric metric, in MetricPoint point)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            var tags = new List<KeyValuePair<string, object?>>();
            foreach (var tag in point.Tags)
            {
                tags.Add(tag);
            }

            json.WriteStartObject();
            json.WriteStartObject("_aws");
            json.WriteNumber("Timestamp", point.EndTime.ToUnixTimeMilliseconds());
            json.WriteStartArray("CloudWatchMetrics");
            json.WriteStartObject();
            json.WriteString("Namespace", TelemetryNames.Source);
            json.WriteStartArray("Dimensions");
            if (tags.Count > 0)
            {
                json.WriteStartArray();
                foreach (var tag in tags)
                {
                    json.WriteStringValue(tag.Key);
                }

                json.WriteEndArray();
            }

            json.WriteStartArray();
            json.WriteEndArray();
            json.WriteEndArray();
            json.WriteStartArray("Metrics");
            json.WriteStartObject();
            json.WriteString("Name", metric.Name);
            json.WriteString("Unit", Unit(metric.Unit));
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();

            foreach (var tag in tags)
            {
                json.WriteString(tag.Key, Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture));
            }

            if (!WriteValue(json, metric, point))
            {
                return null;
            }

            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static bool WriteValue(Utf8JsonWriter json, Metric metric, in MetricPoint point)
    {
        switch (metric.MetricType)
        {
            case MetricType.LongSum:
                json.WriteNumber(metric.Name, point.GetSumLong());
                return true;
            case MetricType.DoubleSum:
                json.WriteNumber(metric.Name, point.GetSumDouble());
                return true;
            case MetricType.LongGauge:
                json.WriteNumber(metric.Name, point.GetGaugeLastValueLong());
                return true;
            case MetricType.DoubleGauge:
                json.WriteNumber(metric.Name, point.GetGaugeLastValueDouble());
                return true;
            case MetricType.Histogram:
                return WriteHistogram(json, metric.Name, point);
            default:
                return false;
        }
    }

    private static bool WriteHistogram(Utf8JsonWriter json, string name, in MetricPoint point)
    {
        var total = point.GetHistogramCount();
        if (total == 0)
        {
            return false;
        }

        point.TryGetHistogramMinMaxValues(out var min, out var max);
        var buckets = new List<(double Value, long Count)>();
        var lower = double.NegativeInfinity;
        foreach (var bucket in point.GetHistogramBuckets())
        {
            if (bucket.BucketCount > 0)
            {
                buckets.Add((Representative(lower, bucket.ExplicitBound, min, max), bucket.BucketCount));
            }

            lower = bucket.ExplicitBound;
        }

        // More values than one line takes: keep each bucket's share (at least one value for a non-empty bucket).
        var scale = total > MaxValues ? (double)MaxValues / total : 1;
        json.WriteStartArray(name);
        var written = 0;
        foreach (var (value, count) in buckets)
        {
            var times = Math.Max(1, (int)Math.Round(count * scale));
            for (var i = 0; i < times && written < MaxValues; i++, written++)
            {
                json.WriteNumberValue(value);
            }
        }

        json.WriteEndArray();
        return true;
    }

    /// <summary>The middle of the bucket, kept within the values actually seen (so one value is reported exactly).</summary>
    private static double Representative(double lower, double upper, double min, double max)
    {
        var low = double.IsNegativeInfinity(lower) ? min : Math.Max(lower, min);
        var high = double.IsPositiveInfinity(upper) ? max : Math.Min(upper, max);
        return Math.Round((low + high) / 2, 6);
    }

    /// <summary>CloudWatch's unit names for the UCUM units the instruments declare.</summary>
    private static string Unit(string? unit) => unit switch
    {
        "s" => "Seconds",
        "ms" => "Milliseconds",
        "By" => "Bytes",
        { } u when u.EndsWith("/s", StringComparison.Ordinal) => "Count/Second",
        _ => "Count",
    };
}
