using ChatBot.TestKit.LocalServers;
using StackExchange.Redis;

namespace ChatBot.Bench;

/// <summary>
/// DynamoDB requests per chat turn, counted at a proxy in front of dynalite, with the Redis cache and with the
/// in-process cache, on a cache hit and on a miss.
/// </summary>
public static class DatastoreBench
{
    private static readonly string[] ReadOperations = ["GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"];

    public static async Task RunAsync(BenchOptions options, Apps apps, InstantModel model, DynaliteFixture dynalite, RedisServerFixture redis, Report report)
    {
        await using var proxy = await CountingProxy.StartAsync(new Uri(dynalite.ServiceUrl));
        using var http = Sse.CreateClient();
        var section = new Section("3. Datastore work per turn (DynamoDB on dynalite)", "Cache", "Turn", "Reads", "Writes", "Requests by operation");
        var hitReads = new List<int>();
        var missQueries = new List<int>();
        var missOtherReads = new List<int>();
        var writes = new List<int>();
        var conversations = options.Quick ? 1 : 3;

        // Redis: the next turn finds its context in Redis; after FLUSHALL (an evicted or lost entry) it must read DynamoDB.
        var table = "bench-" + Guid.NewGuid().ToString("N")[..8];
        await using (var app = await StartAsync(apps, model, proxy, table, redis.Configuration, http))
        {
            using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",allowAdmin=true");
            for (var c = 0; c < conversations; c++)
            {
                var id = await Sse.CreateConversationAsync(http, app.BaseAddress, "bench");
                var first = await CountTurnAsync(proxy, http, app, id);
                var hit = await CountTurnAsync(proxy, http, app, id);
                await connection.GetServer(connection.GetEndPoints()[0]).FlushAllDatabasesAsync();
                var miss = await CountTurnAsync(proxy, http, app, id);
                Record(section, c, "Redis", [("first turn of a new conversation", first), ("next turn (cache hit)", hit), ("next turn after the cache entry is gone (miss)", miss)]);
                Tally(hit, miss, first);
            }
        }

        // In-process cache: a hit within one instance; a miss on a new instance (a Lambda cold start) that serves an
        // existing conversation.
        table = "bench-" + Guid.NewGuid().ToString("N")[..8];
        var ids = new List<string>();
        await using (var app = await StartAsync(apps, model, proxy, table, null, http))
        {
            for (var c = 0; c < conversations; c++)
            {
                var id = await Sse.CreateConversationAsync(http, app.BaseAddress, "bench");
                var first = await CountTurnAsync(proxy, http, app, id);
                var hit = await CountTurnAsync(proxy, http, app, id);
                Record(section, c, "in-process", [("first turn of a new conversation", first), ("next turn (cache hit)", hit)]);
                hitReads.Add(Reads(hit));
                writes.Add(Writes(first));
                writes.Add(Writes(hit));
                ids.Add(id);
            }
        }

        await using (var app = await StartAsync(apps, model, proxy, table, null, http))
        {
            for (var c = 0; c < ids.Count; c++)
            {
                var miss = await CountTurnAsync(proxy, http, app, ids[c]);
                Record(section, c, "in-process", [("next turn on a new instance (miss)", miss)]);
                missQueries.Add(miss.GetValueOrDefault("Query"));
                missOtherReads.Add(Reads(miss) - miss.GetValueOrDefault("Query"));
                writes.Add(Writes(miss));
            }
        }

        section.Note($"Each row is one turn (POST .../messages, streamed to `done`) on the app with Storage:Provider=DynamoDb, its requests counted at an HTTP proxy in front of dynalite; " +
                     $"{conversations} conversation(s) per scenario. Reads: {string.Join(", ", ReadOperations)}; every other operation counts as a write. SDK retries would add to these, only on failures.");
        section.Note("The first turn of a conversation also stores its title. Counting stops once `done` has arrived and a further 100 ms has passed.");
        report.Sections.Add(section);

        var maxHitReads = hitReads.Max();
        var maxMissQueries = missQueries.Max();
        var maxMissOther = missOtherReads.Max();
        var maxWrites = writes.Max();
        report.Goals.Add(new Goal("DynamoDB reads on a cache hit", "0", $"{maxHitReads} (worst turn)", maxHitReads == 0));
        report.Goals.Add(new Goal("DynamoDB reads on a cache miss", "≤ 1 Query", $"{maxMissQueries} Query + {maxMissOther} other (worst turn)", maxMissQueries <= 1 && maxMissOther == 0));
        report.Goals.Add(new Goal("DynamoDB writes per turn", "≤ 2", $"{maxWrites} (worst turn)", maxWrites <= 2));

        void Tally(Dictionary<string, int> hit, Dictionary<string, int> miss, Dictionary<string, int> first)
        {
            hitReads.Add(Reads(hit));
            missQueries.Add(miss.GetValueOrDefault("Query"));
            missOtherReads.Add(Reads(miss) - miss.GetValueOrDefault("Query"));
            writes.AddRange([Writes(first), Writes(hit), Writes(miss)]);
        }
    }

    private static async Task<AppProcess> StartAsync(Apps apps, InstantModel model, CountingProxy proxy, string table, string? redis, HttpClient http)
    {
        var settings = new Dictionary<string, string>(model.Settings)
        {
            ["Storage__Provider"] = "DynamoDb",
            ["Storage__DynamoDb__ServiceUrl"] = proxy.Address.ToString(),
            ["Storage__DynamoDb__TableName"] = table,
            ["Storage__DynamoDb__CreateTable"] = "true",
            ["Cache__Provider"] = redis is null ? "Memory" : "Redis",
        };
        if (redis is not null)
        {
            settings["Cache__Redis__Configuration"] = redis;
        }

        var app = AppProcess.Start(apps.ChatBot, settings);
        await app.WaitForHealthAsync(http, TimeSpan.FromMinutes(1));
        return app;
    }

    private static async Task<Dictionary<string, int>> CountTurnAsync(CountingProxy proxy, HttpClient http, AppProcess app, string conversationId)
    {
        var before = proxy.Snapshot();
        var events = await Sse.TurnAsync(http, Sse.TurnUrl(app.BaseAddress, conversationId), "bench", "How many requests does this take?");
        if (events.Count == 0 || events[^1].Name != "done")
        {
            throw new InvalidOperationException($"The turn did not complete: {string.Join(" | ", events.Select(e => e.Name + " " + e.Data))}{Environment.NewLine}{app.RecentOutput}");
        }

        // Anything the turn writes after `done` would still be its work.
        await Task.Delay(100);
        return proxy.Snapshot()
            .Select(kv => (kv.Key, Count: kv.Value - before.GetValueOrDefault(kv.Key)))
            .Where(kv => kv.Count > 0)
            .ToDictionary(kv => kv.Key, kv => kv.Count);
    }

    private static int Reads(Dictionary<string, int> counts) => counts.Where(kv => ReadOperations.Contains(kv.Key)).Sum(kv => kv.Value);

    private static int Writes(Dictionary<string, int> counts) => counts.Where(kv => !ReadOperations.Contains(kv.Key)).Sum(kv => kv.Value);

    private static void Record(Section section, int conversation, string cache, (string Turn, Dictionary<string, int> Counts)[] turns)
    {
        foreach (var (turn, counts) in turns)
        {
            section.Row(cache, $"{turn} (conversation {conversation + 1})", $"{Reads(counts)}", $"{Writes(counts)}",
                counts.Count == 0 ? "none" : string.Join(", ", counts.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}")));
        }
    }
}
