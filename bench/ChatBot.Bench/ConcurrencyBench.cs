using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using ChatBot.TestKit.OpenAI;

namespace ChatBot.Bench;

/// <summary>
/// What one API process spends per concurrent streamed answer, for the scaling arithmetic (docs/scaling.md): N chats
/// stream at once from a model paced like a hosted one, and the process's resident memory and CPU time are read from
/// /proc. The levels rise until one has errors; the last clean one is the largest concurrency measured here.
/// </summary>
public static class ConcurrencyBench
{
    /// <summary>About what a hosted model streams per answer (Bedrock's open-weight models stream roughly 30–100 tokens/s).</summary>
    public const int TokensPerSecond = 50;

    private sealed record Level(int Streams, int Errors, double Seconds, double IdleMb, double PeakMb, double CpuSeconds, Stats LatencyMs);

    public static async Task RunAsync(BenchOptions options, Apps apps, Report report)
    {
        var tokens = options.Quick ? 10 : 100;
        int[] levels = options.Quick ? [8] : [200, 500, 1000, 2000];
        await using var model = await FakeOpenAIServer.StartAsync();
        model.Generate = (_, cancellationToken) => PacedAsync(tokens, cancellationToken);

        var results = new List<Level>();
        foreach (var streams in levels)
        {
            Console.Error.WriteLine($"  {streams} concurrent answers...");
            var level = await MeasureAsync(apps, model, streams);
            results.Add(level);
            if (level.Errors > 0)
            {
                break;
            }
        }

        var answerSeconds = (double)tokens / TokensPerSecond;
        var section = new Section("4b. Concurrent streamed answers in one API process",
            "Concurrent answers", "Errors", "RSS idle (MB)", "RSS peak (MB)", "Memory per stream (MB)", "CPU per answer (ms)", "CPU while streaming (cores)",
            "Latency p50 (s)", "Latency p99 (s)");
        foreach (var l in results)
        {
            section.Row($"{l.Streams}", $"{l.Errors}", Stats.Fmt(l.IdleMb, "0"), Stats.Fmt(l.PeakMb, "0"), Stats.Fmt((l.PeakMb - l.IdleMb) / l.Streams, "0.00"),
                Stats.Fmt(l.CpuSeconds * 1000 / l.Streams, "0.0"), Stats.Fmt(l.CpuSeconds / l.Seconds, "0.00"),
                Stats.Fmt(l.LatencyMs.Median / 1000, "0.00"), Stats.Fmt(l.LatencyMs.P99 / 1000, "0.00"));
        }

        var clean = results.Where(l => l.Errors == 0).Select(l => l.Streams).DefaultIfEmpty(0).Max();
        section.Note($"ChatBot.Api (local mode: SQLite, in-process cache, Development auth) with Llm:Provider=OpenAI against the test kit's fake model in the bench process, " +
                     $"paced at {TokensPerSecond} tokens/s for {tokens} tokens per answer ({answerSeconds:0.#} s, one SSE chunk per token). At each level every client first opens its own conversation, " +
                     "then all send one turn at once; latency is from the POST to `done`. Levels rise until one has errors.");
        section.Note("Memory per stream is (peak − idle) RSS over the streams; CPU per answer is the process's user + system CPU time (/proc/<pid>/stat) from the first POST to the last `done`, " +
                     "divided by the streams, which includes storing both messages. The bench process (clients and the paced model) shares the machine's 2 cores, so at the higher levels the pacing " +
                     "itself slows and latency stretches for reasons outside the API.");
        section.Note($"Largest concurrency measured without errors: {clean} streams in one process" +
                     (results.Count == levels.Length && results[^1].Errors == 0 ? " (the highest level tried; the limit is higher)." : "."));
        report.Sections.Add(section);
    }

    private static async Task<Level> MeasureAsync(Apps apps, FakeOpenAIServer model, int streams)
    {
        await using var app = AppProcess.Start(apps.ChatBot, new Dictionary<string, string>
        {
            ["Storage__Provider"] = "Sqlite",
            ["Storage__Sqlite__Path"] = Scratch.NewPath(".db"),
            ["Cache__Provider"] = "Memory",
            ["Llm__Provider"] = "OpenAI",
            ["Llm__OpenAI__Endpoint"] = model.Endpoint.ToString(),
            ["Llm__OpenAI__ModelId"] = "paced",
            ["Llm__OpenAI__ApiKey"] = "bench",
        });
        using var http = Sse.CreateClient();
        await app.WaitForHealthAsync(http, TimeSpan.FromMinutes(1));
        await Sse.TurnAsync(http, Sse.TurnUrl(app.BaseAddress, await Sse.CreateConversationAsync(http, app.BaseAddress, "warmup")), "warmup", "warm up");
        await Task.Delay(500);
        var idle = app.RssMb();

        var users = Enumerable.Range(0, streams).Select(i => $"c{i}").ToArray();
        var conversations = new string[streams];
        await Parallel.ForEachAsync(Enumerable.Range(0, streams), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
            conversations[i] = await Sse.CreateConversationAsync(http, app.BaseAddress, users[i]));

        await using var sampler = new PeakRss(app, idle);

        var latencies = new ConcurrentBag<double>();
        var errors = 0;
        var cpuBefore = app.CpuSeconds();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, streams).Select(async i =>
        {
            try
            {
                var events = await Sse.TurnAsync(http, Sse.TurnUrl(app.BaseAddress, conversations[i]), users[i], "Tell me a story.");
                if (events.Count > 0 && events[^1].Name == "done")
                {
                    latencies.Add(events[^1].Ms);
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            Interlocked.Increment(ref errors);
        }));
        var seconds = clock.Elapsed.TotalSeconds;
        var cpu = app.CpuSeconds() - cpuBefore;
        await sampler.DisposeAsync();
        return new Level(streams, errors, seconds, idle, sampler.PeakMb, cpu, Stats.Of(latencies));
    }

    /// <summary>One token every 1/<see cref="TokensPerSecond"/> s, on a fixed schedule so timer slack does not add up.</summary>
    private static async IAsyncEnumerable<string> PacedAsync(int tokens, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < tokens; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / TokensPerSecond) - clock.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancellationToken);
            }

            yield return i == 0 ? "Once" : " upon";
        }
    }
}
