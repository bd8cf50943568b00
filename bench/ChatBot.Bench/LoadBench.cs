using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using ChatBot.TestKit.LocalServers;
using Microsoft.Data.Sqlite;

namespace ChatBot.Bench;

/// <summary>
/// Many concurrent SSE chats against the app with the instant model: embedded store (SQLite + in-process cache),
/// DynamoDB (dynalite) + Redis, against the bare app doing the same durable writes, and the bare relay storing nothing.
/// </summary>
public static class LoadBench
{
    private sealed record Result(string Name, int Turns, int Errors, double Seconds, Stats LatencyMs, double IdleMb, double PeakMb, double CpuSeconds, string Stored);

    public static async Task RunAsync(BenchOptions options, Apps apps, InstantModel model, DynaliteFixture dynalite, RedisServerFixture redis, Report report)
    {
        var bareStore = Scratch.NewPath(".db");
        var results = new List<Result>
        {
            await RunAsync("Bare app, same durable writes (baseline)", apps.Bare, new Dictionary<string, string>
            {
                ["Upstream"] = model.Endpoint.ToString(),
                ["Sqlite"] = bareStore,
            }, Server.BareStored, options),
            await RunAsync("ChatBot, SQLite + in-process cache", apps.ChatBot, new Dictionary<string, string>(model.Settings)
            {
                ["Storage__Provider"] = "Sqlite",
                ["Storage__Sqlite__Path"] = Scratch.NewPath(".db"),
                ["Cache__Provider"] = "Memory",
            }, Server.ChatBot, options),
            await RunAsync("ChatBot, DynamoDB (dynalite) + Redis", apps.ChatBot, new Dictionary<string, string>(model.Settings)
            {
                ["Storage__Provider"] = "DynamoDb",
                ["Storage__DynamoDb__ServiceUrl"] = dynalite.ServiceUrl,
                ["Storage__DynamoDb__TableName"] = "load-" + Guid.NewGuid().ToString("N")[..8],
                ["Storage__DynamoDb__CreateTable"] = "true",
                ["Cache__Provider"] = "Redis",
                ["Cache__Redis__Configuration"] = redis.Configuration,
            }, Server.ChatBot, options),
            await RunAsync("Bare app relaying the model, storing nothing (context)", apps.Bare,
                new Dictionary<string, string> { ["Upstream"] = model.Endpoint.ToString() }, Server.BareRelay, options),
        };
        results[0] = results[0] with { Stored = VerifyBareStore(bareStore, options) };

        var baseline = results[0];
        var section = new Section("4. Load: concurrent SSE chats, instant model",
            "Server", "Turns", "Errors", "Turns/s", "vs bare with the same writes", "Latency p50 (ms)", "Latency p99 (ms)", "Server CPU per turn (ms)", "RSS idle (MB)", "RSS peak (MB)", "Every message stored exactly once");
        foreach (var r in results)
        {
            var rate = r.Turns / r.Seconds;
            section.Row(r.Name, $"{r.Turns}", $"{r.Errors}", Stats.Fmt(rate, "0"), Stats.Fmt(rate / (baseline.Turns / baseline.Seconds), "0.00") + " ×",
                Stats.Fmt(r.LatencyMs.Median), Stats.Fmt(r.LatencyMs.P99), Stats.Fmt(r.CpuSeconds * 1000 / r.Turns, "0.00"), Stats.Fmt(r.IdleMb, "0"), Stats.Fmt(r.PeakMb, "0"), r.Stored);
        }

        section.Note($"{options.LoadClients} clients at once, each its own user and conversation, {options.LoadTurnsPerClient} turns each, back to back, after a warm-up of " +
                     $"{WarmUpRounds} rounds of {WarmUpTurnsPerClient} turns per client at the same concurrency (on other users), half a second apart, so the runtime has finished recompiling the hot code; " +
                     $"latency is from sending the POST to the `done` event. The model is the instant fake ({InstantModel.Pieces} pieces per answer) in the bench process, " +
                     "which also runs the clients, so every server shares the same client and model cost.");
        section.Note("The baseline is `bench/BareApp`'s POST /api/stored-turn: the same SSE events, the user's message committed before the model is called and the answer after it, " +
                     "each in its own transaction on a SQLite file opened with ChatBot's settings (WAL, synchronous=NORMAL, pooled connections), and the same model request as ChatBot's " +
                     "(its default system prompt, the last 20 messages from memory, the new one), so the model does the same work for both; and nothing else: no auth, no conversation " +
                     "check, no limits or usage counters, no idempotency or search index, no lease. The ratio is therefore ChatBot's own overhead per turn. " +
                     "The relay row (POST /api/turn, nothing stored) shows what the writes themselves cost.");
        section.Note("Server CPU per turn is the server process's user + system CPU time (/proc) during the load, divided by the turns (for ChatBot it includes creating each client's conversation). " +
                     "RSS is the server process's resident memory (/proc), idle after the warm-up and the peak sampled every 50 ms during the load. " +
                     "Stored exactly once: after the load, ChatBot's conversations are read back through the API, the baseline's rows straight from its file; every user message sent " +
                     "must appear once, each followed by one assistant answer.");
        report.Sections.Add(section);
        var errors = results.Sum(r => r.Errors);
        var ratio = results[1].Turns / results[1].Seconds / (baseline.Turns / baseline.Seconds);
        var stored = results.Where(r => r.Stored != NothingStored).ToList();
        report.Goals.Add(new Goal("Load: ChatBot (SQLite) turns/s vs bare app with the same writes", "≥ 0.8×", Stats.Fmt(ratio, "0.00") + " ×", ratio >= 0.8));
        report.Goals.Add(new Goal("Load: errors, and every message stored exactly once", "0 errors, all stored once",
            $"{errors} errors; {string.Join("; ", stored.Select(r => r.Stored))}", errors == 0 && stored.All(r => r.Stored.StartsWith("yes", StringComparison.Ordinal))));
    }

    private enum Server
    {
        ChatBot,
        BareStored,
        BareRelay,
    }

    private const string NothingStored = "n/a (stores nothing)";

    /// <summary>The baseline's rows, read from its file: per user, each message sent once, in order, each followed by one answer.</summary>
    private static string VerifyBareStore(string path, BenchOptions options)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        var good = 0;
        for (var client = 0; client < options.LoadClients; client++)
        {
            using var query = connection.CreateCommand();
            query.CommandText = "SELECT role, content FROM messages WHERE user_id = $user ORDER BY id";
            query.Parameters.AddWithValue("$user", $"load-{client}");
            var messages = new List<(string Role, string Content)>();
            using (var reader = query.ExecuteReader())
            {
                while (reader.Read())
                {
                    messages.Add((reader.GetString(0), reader.GetString(1)));
                }
            }

            if (Matches(messages, client, options.LoadTurnsPerClient))
            {
                good++;
            }
        }

        return Verdict(good, options.LoadClients, options.LoadTurnsPerClient);
    }

    private static bool Matches(List<(string Role, string Content)> messages, int client, int turns)
    {
        var expected = Enumerable.Range(0, turns).SelectMany(t => new[] { ("user", Content(client, t)), ("assistant", "*") });
        return messages.Count == turns * 2 && messages.Zip(expected).All(p => p.First.Role == p.Second.Item1 && (p.Second.Item2 == "*" || p.First.Content == p.Second.Item2));
    }

    private static string Verdict(int good, int conversations, int turns) =>
        good == conversations ? $"yes ({conversations * turns * 2} messages)" : $"**no**: {conversations - good} of {conversations} conversations differ";

    private static async Task<Result> RunAsync(string name, string executable, Dictionary<string, string> settings, Server server, BenchOptions options)
    {
        await using var app = AppProcess.Start(executable, settings);
        using var http = Sse.CreateClient();
        await app.WaitForHealthAsync(http, TimeSpan.FromMinutes(1));

        var chatBot = server == Server.ChatBot;
        var bareUrl = new Uri(app.BaseAddress, server == Server.BareStored ? "api/stored-turn" : "api/turn");

        // Warm-up at the load's own concurrency, on users the check below never reads: the table or schema, connection
        // pools, and enough calls of every method on the turn's path, in rounds with pauses between them, that the runtime
        // has recompiled the hot ones (tiered JIT counts calls only after 100 ms without new methods, then compiles them on
        // a background thread) before the clock starts. The measured turns are then the steady state of a server that has
        // been up for a while, for every server alike, not how much code each one has to recompile during the run.
        // Then the process settles before idle memory is read.
        for (var round = 0; round < WarmUpRounds; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, options.LoadClients).Select(async client =>
            {
                var user = $"warmup-{round}-{client}";
                var url = chatBot ? Sse.TurnUrl(app.BaseAddress, await Sse.CreateConversationAsync(http, app.BaseAddress, user)) : bareUrl;
                for (var turn = 0; turn < WarmUpTurnsPerClient; turn++)
                {
                    await TurnAsync(http, url, user, "warm up");
                }
            }));
            await Task.Delay(500);
        }

        var idle = app.RssMb();

        await using var sampler = new PeakRss(app, idle);

        var latencies = new ConcurrentBag<double>();
        var errors = 0;
        var cpuBefore = app.CpuSeconds();
        var clock = Stopwatch.StartNew();
        var conversations = await Task.WhenAll(Enumerable.Range(0, options.LoadClients).Select(async client =>
        {
            var user = $"load-{client}";
            var conversation = chatBot ? await Sse.CreateConversationAsync(http, app.BaseAddress, user) : null;
            var url = conversation is null ? bareUrl : Sse.TurnUrl(app.BaseAddress, conversation);
            for (var turn = 0; turn < options.LoadTurnsPerClient; turn++)
            {
                try
                {
                    var started = clock.Elapsed.TotalMilliseconds;
                    if (await TurnAsync(http, url, user, Content(client, turn)))
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
        var cpu = app.CpuSeconds() - cpuBefore;
        await sampler.DisposeAsync();

        var stored = chatBot ? await VerifyAsync(http, app, conversations, options.LoadTurnsPerClient) : NothingStored;
        return new Result(name, options.LoadClients * options.LoadTurnsPerClient, errors, seconds, Stats.Of(latencies), idle, sampler.PeakMb, cpu, stored);
    }

    private const int WarmUpRounds = 4;

    private const int WarmUpTurnsPerClient = 5;

    private static string Content(int client, int turn) => $"client {client} turn {turn}";

    private static async Task<bool> TurnAsync(HttpClient http, Uri url, string user, string content)
    {
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
            Sse.Identify(request, user);
            using var response = await http.SendAsync(request);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var messages = body.RootElement.GetProperty("messages").EnumerateArray()
                .Select(m => (Role: m.GetProperty("role").GetString() ?? "", Content: m.GetProperty("content").GetString() ?? ""))
                .ToList();
            if (Matches(messages, client, turns))
            {
                good++;
            }
        }

        return Verdict(good, conversations.Length, turns);
    }
}
