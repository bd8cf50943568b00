using ChatBot.TestKit.LocalServers;

namespace ChatBot.Bench;

/// <summary>
/// Cold start: process start to the first 200 on /api/health, and on to the first completed chat turn, for ChatBot and
/// for the bare app, alternating. The host's own Debug log lines split the time into phases.
/// </summary>
public static class ColdStartBench
{
    // Logged by Microsoft.Extensions.Hosting at Debug when the host begins starting hosted services and the server,
    // and when it has started them.
    private const string HostStarting = "Hosting starting";
    private const string HostStarted = "Hosting started";

    private sealed record Start(double HostStartingMs, double HostStartedMs, double HealthMs, double FirstTurnMs);

    public static async Task RunAsync(BenchOptions options, Apps apps, InstantModel model, DynaliteFixture dynalite, Report report)
    {
        using var http = Sse.CreateClient();
        var local = new List<Start>();
        var lambdaShaped = new List<Start>();
        var bare = new List<Start>();
        var table = "coldstart-" + Guid.NewGuid().ToString("N")[..8];
        Dictionary<string, string> DynamoDb(bool createTable) => new()
        {
            ["Storage__Provider"] = "DynamoDb",
            ["Storage__DynamoDb__ServiceUrl"] = dynalite.ServiceUrl,
            ["Storage__DynamoDb__TableName"] = table,
            ["Storage__DynamoDb__CreateTable"] = createTable ? "true" : "false",
        };

        // One unmeasured start creates the table; the measured ones find it there and make no call at startup, as on Lambda.
        await StartChatBotAsync(apps, model, http, DynamoDb(createTable: true));
        for (var i = 0; i < options.ColdStarts; i++)
        {
            bare.Add(await StartBareAsync(apps, model, http));
            local.Add(await StartChatBotAsync(apps, model, http, new Dictionary<string, string>
            {
                ["Storage__Provider"] = "Sqlite",
                ["Storage__Sqlite__Path"] = Scratch.NewPath(".db"),
            }));
            lambdaShaped.Add(await StartChatBotAsync(apps, model, http, DynamoDb(createTable: false)));
        }

        var localRatio = Stats.Of(local.Zip(bare, (c, b) => c.HealthMs / b.HealthMs));
        var lambdaRatio = Stats.Of(lambdaShaped.Zip(bare, (c, b) => c.HealthMs / b.HealthMs));
        var section = new Section("2. Cold start", "App", "To \"Hosting starting\" (ms)", "Hosted services + Kestrel (ms)", "To first 200 /api/health (ms)", "To first completed turn (ms)", "Health vs bare (paired)");
        foreach (var (name, starts, ratio) in new[]
        {
            ("Bare ASP.NET Core app (baseline, `bench/BareApp`)", bare, (Stats?)null),
            ("ChatBot.Api, SQLite (local mode)", local, localRatio),
            ("ChatBot.Api, DynamoDB on dynalite (as on Lambda)", lambdaShaped, lambdaRatio),
        })
        {
            section.Row(name,
                Stats.Of(starts.Select(s => s.HostStartingMs)).Format("0"),
                Stats.Of(starts.Select(s => s.HostStartedMs - s.HostStartingMs)).Format("0"),
                Stats.Of(starts.Select(s => s.HealthMs)).Format("0"),
                Stats.Of(starts.Select(s => s.FirstTurnMs)).Format("0"),
                ratio is null ? "1 ×" : ratio.Format("0.00") + " ×");
        }

        section.Note($"Both apps: {apps.How}; started as the apphost with settings in the environment, as Lambda starts them; " +
                     $"{options.ColdStarts} alternating starts each, median (min–max). Disk cache is warm (the same files every start), as it is for a Lambda instance image.");
        section.Note("ChatBot runs with the in-process cache, Auth:Mode=Development and an instant OpenAI-compatible fake model in the bench process " +
                     "(ChatBot has no built-in instant provider); storage is SQLite (a new file each start) or DynamoDB on dynalite (the table exists, Storage:DynamoDb:CreateTable=false: " +
                     "no DynamoDB call at startup, as on Lambda). Lambda itself would use Bedrock and Auth:Mode=ApiGateway, which are not measured here. The first turn is POST /api/conversations plus one streamed turn; " +
                     "the bare app's is one POST /api/turn relaying the same fake model as SSE.");
        section.Note("Phases: \"Hosting starting\" marks the end of runtime start, Main, configuration and the DI container build; the next column is " +
                     "hosted services (for ChatBot: the SQLite schema, options validation) and Kestrel binding; the rest up to the health answer is the first request's own work (JIT of the pipeline).");
        report.Sections.Add(section);
        report.Goals.Add(new Goal("Cold start to /api/health vs bare app", "≤ 1.3×",
            $"SQLite {localRatio.Format("0.00")} ×; DynamoDB {lambdaRatio.Format("0.00")} ×", localRatio.Median <= 1.3 && lambdaRatio.Median <= 1.3));
    }

    private static async Task<Start> StartBareAsync(Apps apps, InstantModel model, HttpClient http)
    {
        await using var app = AppProcess.Start(apps.Bare, new Dictionary<string, string> { ["Upstream"] = model.Endpoint.ToString() });
        var health = await app.WaitForHealthAsync(http, TimeSpan.FromMinutes(1));
        var events = await Sse.TurnAsync(http, new Uri(app.BaseAddress, "api/turn"), "bench", "Hi");
        var turn = app.ElapsedMs;
        Expect(events, app);
        return new Start(app.OutputAt(HostStarting), app.OutputAt(HostStarted), health, turn);
    }

    private static async Task<Start> StartChatBotAsync(Apps apps, InstantModel model, HttpClient http, Dictionary<string, string> storage)
    {
        var settings = new Dictionary<string, string>(model.Settings.Concat(storage)) { ["Cache__Provider"] = "Memory" };
        await using var app = AppProcess.Start(apps.ChatBot, settings);
        var health = await app.WaitForHealthAsync(http, TimeSpan.FromMinutes(1));
        var conversation = await Sse.CreateConversationAsync(http, app.BaseAddress, "bench");
        var events = await Sse.TurnAsync(http, Sse.TurnUrl(app.BaseAddress, conversation), "bench", "Hi");
        var turn = app.ElapsedMs;
        Expect(events, app);
        return new Start(app.OutputAt(HostStarting), app.OutputAt(HostStarted), health, turn);
    }

    private static void Expect(List<TimedEvent> events, AppProcess app)
    {
        if (events.Count == 0 || events[^1].Name != "done")
        {
            throw new InvalidOperationException($"The first turn did not complete: {string.Join(" | ", events.Select(e => e.Name + " " + e.Data))}{Environment.NewLine}{app.RecentOutput}");
        }
    }
}
