using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ChatBot.Api.Telemetry;
using ChatBot.Core;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ChatBot.Api.Tests;

public sealed class TelemetryTests
{
    [Fact]
    public async Task Turn_ExportsOneTraceWithStoreCacheAndModelSpans_AndTheTurnMetrics()
    {
        var spans = new List<Activity>();
        var metrics = new List<MetricSnapshot>();
        using var app = new TelemetryApp(spans, metrics);
        var client = app.ClientFor("alice");
        var conversation = await client.CreateConversationAsync();
        // The caller's trace id, so this test finds its own spans among any other test's.
        var traceId = ActivityTraceId.CreateRandom();

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/conversations/{conversation.Id}/messages")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { content = "Once upon a time" }),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await client.SendJsonAsync(conversation.Id, new { content = "And then?" });

        var turn = await WaitForAsync(() => Snapshot(spans).Where(s => s.TraceId == traceId).ToList(),
            found => found.Any(s => s.Source.Name == "Microsoft.AspNetCore"));
        app.Services.GetRequiredService<MeterProvider>().ForceFlush();

        var root = Assert.Single(turn, s => s.Source.Name == "Microsoft.AspNetCore");
        var ids = turn.Select(s => s.SpanId).ToHashSet();
        Assert.All(turn.Where(s => s != root), span => Assert.Contains(span.ParentSpanId, ids));
        var names = turn.Select(s => s.OperationName).ToList();
        Assert.Contains("cache.get", names);
        Assert.Contains("store.get_conversation", names);
        Assert.Contains("store.add_user_message", names);
        Assert.Contains("store.save_assistant_message", names);
        Assert.Contains("cache.append", names);
        Assert.Contains(turn, s => s.Source.Name == TelemetryExtensions.ModelSource && s.OperationName.StartsWith("chat", StringComparison.Ordinal));
        Assert.DoesNotContain(turn, s => s.TagObjects.Any(t => t.Value is string text && text.Contains("Once upon a time", StringComparison.Ordinal)));

        var exported = Snapshot(metrics).Select(m => m.Name).ToHashSet();
        foreach (var name in new[]
        {
            TelemetryNames.Turns, TelemetryNames.TimeToFirstToken, TelemetryNames.TurnDuration, TelemetryNames.InputTokens,
            TelemetryNames.OutputTokens, TelemetryNames.CacheHits, TelemetryNames.CacheMisses,
        })
        {
            Assert.Contains(name, exported);
        }
    }

    [Fact]
    public async Task ModelFailure_IsCountedByKind_AndTheTurnAsFailed()
    {
        var metrics = new List<MetricSnapshot>();
        using var provider = Sdk.CreateMeterProviderBuilder().AddMeter(TelemetryNames.Source).AddInMemoryExporter(metrics).Build();
        var throttled = new ScriptedChatClient("a") { Failure = new ModelException(ModelErrorKind.Throttled, "busy"), FailAfter = 0 };
        using var client = new ModelMetricsChatClient(throttled);

        await Assert.ThrowsAsync<ModelException>(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")]))
            {
            }
        });
        provider.ForceFlush();

        // Other tests' model calls may land in the same instruments; this one's kind and outcome must be there.
        Assert.Contains(Points(metrics, TelemetryNames.ModelErrors), p => Tag(p, TelemetryNames.KindTag) == "Throttled" && p.GetSumLong() >= 1);
        Assert.Contains(Points(metrics, TelemetryNames.Turns), p => Tag(p, TelemetryNames.OutcomeTag) == "failed" && p.GetSumLong() >= 1);
    }

    [Fact]
    public void EmfExporter_WritesOneCloudWatchDocumentPerPoint_WithTotalsAndPercentileValues()
    {
        using var meter = new System.Diagnostics.Metrics.Meter(TelemetryNames.Source + ".EmfTest");
        var output = new StringWriter();
        using var provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(meter.Name)
            .AddReader(new BaseExportingMetricReader(new EmfMetricExporter(output)) { TemporalityPreference = MetricReaderTemporalityPreference.Delta })
            .Build();
        var errors = meter.CreateCounter<long>("errors", "{error}");
        var latency = meter.CreateHistogram<double>("latency", "s", advice: new() { HistogramBucketBoundaries = [0.5, 1, 10] });
        errors.Add(2, new KeyValuePair<string, object?>("kind", "Throttled"));
        foreach (var seconds in Enumerable.Repeat(0.4, 150).Append(9.0))
        {
            latency.Record(seconds);
        }

        provider.ForceFlush();

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var error = Assert.Single(lines, l => l.TryGetProperty("errors", out _));
        var directive = error.GetProperty("_aws").GetProperty("CloudWatchMetrics")[0];
        Assert.Equal(TelemetryNames.Source, directive.GetProperty("Namespace").GetString());
        Assert.Equal("""[["kind"],[]]""", directive.GetProperty("Dimensions").GetRawText());
        Assert.Equal("""[{"Name":"errors","Unit":"Count"}]""", directive.GetProperty("Metrics").GetRawText());
        Assert.Equal(("Throttled", 2), (error.GetProperty("kind").GetString(), error.GetProperty("errors").GetInt32()));
        Assert.True(error.GetProperty("_aws").GetProperty("Timestamp").GetInt64() > 0);

        var histogram = Assert.Single(lines, l => l.TryGetProperty("latency", out _));
        Assert.Equal("Seconds", histogram.GetProperty("_aws").GetProperty("CloudWatchMetrics")[0].GetProperty("Metrics")[0].GetProperty("Unit").GetString());
        var values = histogram.GetProperty("latency").EnumerateArray().Select(v => v.GetDouble()).ToList();
        Assert.InRange(values.Count, 99, EmfMetricExporter.MaxValues);
        // Each value stands for its bucket, within the values seen: (min 0.4, 0.5] and (1, max 9].
        Assert.Equal(1, values.Count(v => v is > 1 and <= 9));
        Assert.True(values.Count(v => v is >= 0.4 and <= 0.5) >= 98, "the 150 fast values keep their share of the 100");
    }

    /// <summary>The exporters append from other threads; ToArray copies without enumerating.</summary>
    [Fact]
    public async Task Emf_WritesATurnsMetricsBeforeItsResponseEnds_WithoutWaitingForTheInterval()
    {
        var output = new StringWriter();
        var console = Console.Out;
        Console.SetOut(TextWriter.Synchronized(output));
        try
        {
            using var app = new ApiTestApp(settings: new Dictionary<string, string?>
            {
                ["Telemetry:Emf"] = "true",
                ["Telemetry:MetricsIntervalSeconds"] = "3600",
            });
            var client = app.ClientFor("alice");
            var conversation = await client.CreateConversationAsync();

            var response = await client.SendJsonAsync(conversation.Id, new { content = "Once upon a time" });

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var lines = output.ToString().Split('\n').Where(l => l.StartsWith("{\"_aws\"", StringComparison.Ordinal)).ToList();
            Assert.Contains(lines, l => l.Contains($"\"{TelemetryNames.Turns}\"", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains($"\"{TelemetryNames.TimeToFirstToken}\"", StringComparison.Ordinal));
            Assert.DoesNotContain(lines, l => l.Contains("Once upon a time", StringComparison.Ordinal));
        }
        finally
        {
            Console.SetOut(console);
        }
    }

    [Fact]
    public async Task Problem_BehindApiGateway_CarriesTheXRayTraceId()
    {
        using var app = new ApiTestApp(new ScriptedChatClient("unused"));
        var client = app.ClientFor("alice");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/conversations/{Ids.New(DateTimeOffset.UtcNow)}");
        request.Headers.Add(XRayTraceHeaderPropagator.HeaderName, "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1");

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.StartsWith("00-5759e988bd862e3fe1be46a994272793-", problem.GetProperty("traceId").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1", "00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01")]
    [InlineData("Root=1-5759E988-BD862E3FE1BE46A994272793;Parent=53995C3F42CD8AD8;Sampled=0", "00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-00")]
    [InlineData("Root=1-5759e988-bd862e3fe1be46a99427279;Parent=53995c3f42cd8ad8", null)]
    [InlineData("Root=1-5759e988-bd862e3fe1be46a99427279z;Parent=53995c3f42cd8ad8", null)]
    [InlineData("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f", null)]
    [InlineData("Self=1-5759e988-bd862e3fe1be46a994272793", null)]
    [InlineData("", null)]
    public void XRayTraceHeader_BecomesTheW3CParent_OrNothingWhenMalformed(string header, string? expected) =>
        Assert.Equal(expected, XRayTraceHeaderPropagator.ToTraceParent(header));

    private static T[] Snapshot<T>(List<T> items) => items.ToArray();

    private static IEnumerable<MetricPoint> Points(List<MetricSnapshot> metrics, string name) =>
        Snapshot(metrics).Where(m => m.Name == name).SelectMany(m => m.MetricPoints);

    private static string? Tag(MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key)
            {
                return tag.Value?.ToString();
            }
        }

        return null;
    }

    private static async Task<T> WaitForAsync<T>(Func<T> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        var value = read();
        while (!done(value) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            value = read();
        }

        return value;
    }

    /// <summary>The real app (real tiny model, real pipeline) with in-memory exporters added for the trace and metrics.</summary>
    private sealed class TelemetryApp(List<Activity> spans, List<MetricSnapshot> metrics) : ApiTestApp
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => services.AddOpenTelemetry()
                .WithTracing(tracing => tracing.AddSource(TelemetryExtensions.TraceSources).AddInMemoryExporter(spans))
                .WithMetrics(m => m.AddMeter(TelemetryExtensions.Meters).AddInMemoryExporter(metrics)));
        }
    }
}
