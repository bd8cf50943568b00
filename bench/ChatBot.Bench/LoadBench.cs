using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using ChatBot.TestKit.LocalServers;

namespace ChatBot.Bench;

/// <summary>
/// Many concurrent SSE chats against the app with the instant model: embedded store (SQLite + in-process cache),
/// DynamoDB (dynalite) + Redis, and the bare app relaying the same model with nothing stored.
/// </summary>
public static class LoadBench
{
    private sealed record Result(string Name, int Turns, int Errors, double Seconds, Stats LatencyMs, double IdleMb, double PeakMb, string Stored);

    public static async Task RunAsync(BenchOptions options, Apps apps, InstantModel model, DynaliteFixture dynalite, RedisServerFixture redis, Report report)
    {
        var results = new List<Result>
        {
            await RunAsync("Bare app relaying the model (baseline)", apps.Bare, new Dictionary<string, string> { ["Upstream"] = model.Endpoint.ToString() }, chatBot: false, options),
            await RunAsync("ChatBot, SQLite + in-process cache", apps.ChatBot, new Dictionary<string, string>(model.Settings)
            {
                ["Storage__Provider"] = "Sqlite",
                ["Storage__Sqlite__Path"] = Scratch.NewPath(".db"),
                ["Cache__Provider"] = "Memory",
            }, chatBot: true, options),
            await RunAsync("ChatBot, DynamoDB (dynalite) + Redis", apps.ChatBot, new Dictionary<string, string>(model.Settings)
            {
                ["Storage__Provider"] = "DynamoDb",
                ["Storage__DynamoDb__ServiceUrl"] = dynalite.ServiceUrl,
                ["Storage__DynamoDb__TableName"] = "load-" + Guid.NewGuid().ToString("N")[..8],
                ["Storage__DynamoDb__CreateTable"] = "true",
                ["Cache__Provider"] = "Redis",
                ["Cache__Redis__Configuration"] = redis.Configuration,
            }, chatBot: true, options),
        };

        var baseline = results[0];
        var section = new Section("4. Load: concurrent SSE chats, instant model",
            "Server", "Turns", "Errors", "Turns/s", "vs bare", "Latency p50 (ms)", "Latency p99 (ms)", "RSS idle (MB)", "RSS peak (MB)", "Every message stored exactly once");
        foreach (var r in results)
        {
            var rate = r.Turns / r.Seconds;
            section.Row(r.Name, $"{r.Turns}", $"{r.Errors}", Stats.Fmt(rate, "0"), Stats.Fmt(rate / (baseline.Turns / baseline.Seconds), "0.00") + " ×",
                Stats.Fmt(r.LatencyMs.Median), Stats.Fmt(r.LatencyMs.P99), Stats.Fmt(r.IdleMb, "0"), Stats.Fmt(r.PeakMb, "0"), r.Stored);
        }

        section.Note($"{options.LoadClients} clients at once, each its own user and conversation, {options.LoadTurnsPerClient} turns each, back to back; " +
                     $"latency is from sending the POST to the `done` event. The model is the instant fake ({InstantModel.Pieces} pieces per answer) in the bench process, " +
                     "which also runs the clients, so all three servers share the same client and model cost.");
        section.Note("The bare app relays the model's chunks as the same SSE events but stores nothing and has no auth; ChatBot authenticates, stores both messages, " +
                     "keeps the context cache and trims history. RSS is the server process's resident memory (/proc), idle after one warm-up turn and the peak sampled every 50 ms during the load.");
        section.Note("Stored exactly once: after the load, each conversation is read back through the API; every user message sent must appear once, each followed by one assistant answer.");
        report.Sections.Add(section);
        var errors = results.Sum(r => r.Errors);
        report.Goals.Add(new Goal("Load: errors, and every message stored exactly once", "0 errors, all stored once",
            $"{errors} errors; {string.Join("; ", results.Skip(1).Select(r => r.Stored))}", errors == 0 && results.Skip(1).All(r => r.Stored.StartsWith("yes", StringComparison.Ordinal))));
    }

    private static async Task<Result> RunAsync(string name, string executable, Dictionary<string, string> settings, bool chatBot, BenchOptions options)
    {
        await using var app = AppProcess.Start(executable, settings);
        using var http = Sse.CreateClient();
        await app.WaitForHealthAsync(http, TimeSpan.FromMinutes(1));

        // Warm-up: JIT, connection pools, the table or schema; then let the process settle before reading idle memory.
        await TurnAsync(http, app, chatBot, "warmup", chatBot ? await Sse.CreateConversationAsync(http, app.BaseAddress, "warmup") : null, "warm up");
        await Task.Delay(500);
        var idle = app.RssMb();

        var peak = idle;
        using var stopSampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stopSampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, app.RssMb());
                await Task.Delay(50);
            }
        });

        var latencies = new ConcurrentBag<double>();
        var errors = 0;
        var clock = Stopwatch.StartNew();
        var conversations = await Task.WhenAll(Enumerable.Range(0, options.LoadClients).Select(async client =>
        {
            var user = $"load-{client}";
            var conversation = chatBot ? await Sse.CreateConversationAsync(http, app.BaseAddress, user) : null;
            for (var turn = 0; turn < options.LoadTurnsPerClient; turn++)
            {
                try
                {
                    var started = clock.Elapsed.TotalMilliseconds;
                    if (await TurnAsync(http, app, chatBot, user, conversation, Content(client, turn)))
                    {
                        latencies.Add(clock.Elapsed.TotalMilliseconds - started);
                    }
                    else
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }
            }

            return (User: user, Conversation: conversation);
        }));
        var seconds = clock.Elapsed.TotalSeconds;
        await stopSampling.CancelAsync();
        await sampler;

        var stored = chatBot ? await VerifyAsync(http, app, conversations, options.LoadTurnsPerClient) : "n/a (stores nothing)";
        return new Result(name, options.LoadClients * options.LoadTurnsPerClient, errors, seconds, Stats.Of(latencies), idle, peak, stored);
    }

    private static string Content(int client, int turn) => $"client {client} turn {turn}";

    private static async Task<bool> TurnAsync(HttpClient http, AppProcess app, bool chatBot, string user, string? conversation, string content)
    {
        var url = chatBot ? Sse.TurnUrl(app.BaseAddress, conversation!) : new Uri(app.BaseAddress, "api/turn");
        var events = await Sse.TurnAsync(http, url, user, content);
        return events.Count > 0 && events[^1].Name == "done";
    }

    /// <summary>Reads every conversation back: each user message once, in order, each followed by exactly one answer.</summary>
    private static async Task<string> VerifyAsync(HttpClient http, AppProcess app, (string User, string? Conversation)[] conversations, int turns)
    {
        var good = 0;
        for (var client = 0; client < conversations.Length; client++)
        {
            var (user, id) = conversations[client];
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(app.BaseAddress, $"api/conversations/{id}"));
            request.Headers.Add("X-ChatBot-User", user);
            using var response = await http.SendAsync(request);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var messages = body.RootElement.GetProperty("messages").EnumerateArray()
                .Select(m => (Role: m.GetProperty("role").GetString(), Content: m.GetProperty("content").GetString()))
                .ToList();
            var expected = Enumerable.Range(0, turns).SelectMany(t => new[] { ("user", Content(client, t)), ("assistant", "*") });
            if (messages.Count == turns * 2 && messages.Zip(expected).All(p => p.First.Role == p.Second.Item1 && (p.Second.Item2 == "*" || p.First.Content == p.Second.Item2)))
            {
                good++;
            }
        }

        return good == conversations.Length ? $"yes ({conversations.Length * turns * 2} messages)" : $"**no**: {conversations.Length - good} of {conversations.Length} conversations differ";
    }
}
