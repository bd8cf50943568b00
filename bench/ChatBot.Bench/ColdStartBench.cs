using ChatBot.TestKit.Bedrock;
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

    public static async Task RunAsync(BenchOptions options, Apps apps, InstantModel model, DynaliteFixture dynalite, RedisServerFixture redis, Report report)
    {
        using var http = Sse.CreateClient();
        await using var bedrock = await FakeBedrockServer.StartAsync();
        var local = new List<Start>();
        var stack = new List<Start>();
        var bare = new List<Start>();
        var table = "coldstart-" + Guid.NewGuid().ToString("N")[..8];
        Dictionary<string, string> AsTheStackStartsIt(bool createTable) => new()
        {
            // ApiFunction's environment, with each AWS endpoint replaced by a local peer.
            ["Auth__Mode"] = "ApiGateway",
            ["Auth__AllowApiGatewayOffLambda"] = "true",
            ["Llm__Provider"] = "Bedrock",
            ["Llm__Bedrock__Endpoint"] = bedrock.Endpoint.ToString(),
            ["Llm__Bedrock__Region"] = bedrock.Region,
            ["AWS_ACCESS_KEY_ID"] = FakeBedrockServer.TestCredentials.AccessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = FakeBedrockServer.TestCredentials.SecretAccessKey,
            ["AWS_SESSION_TOKEN"] = FakeBedrockServer.TestCredentials.SessionToken!,
            ["Storage__Provider"] = "DynamoDb",
            ["Storage__DynamoDb__ServiceUrl"] = dynalite.ServiceUrl,
            ["Storage__DynamoDb__TableName"] = table,
            ["Storage__DynamoDb__CreateTable"] = createTable ? "true" : "false",
            ["Cache__Provider"] = "Redis",
            ["Cache__Redis__Configuration"] = redis.Configuration,
        };

        // One unmeasured start creates the table; the measured ones find it there and make no call at startup, as on Lambda.
        await StartChatBotAsync(apps, http, AsTheStackStartsIt(createTable: true));
        for (var i = 0; i < options.ColdStarts; i++)
        {
            bare.Add(await StartBareAsync(apps, model, http));
            local.Add(await StartChatBotAsync(apps, http, new Dictionary<string, string>(model.Settings)
            {
                ["Storage__Provider"] = "Sqlite",
                ["Storage__Sqlite__Path"] = Scratch.NewPath(".db"),
                ["Cache__Provider"] = "Memory",
            }));
            stack.Add(await StartChatBotAsync(apps, http, AsTheStackStartsIt(createTable: false)));
        }

        var localRatio = Stats.Of(local.Zip(bare, (c, b) => c.HealthMs / b.HealthMs));
        var stackRatio = Stats.Of(stack.Zip(bare, (c, b) => c.HealthMs / b.HealthMs));
        var section = new Section("2. Cold start", "App", "To \"Hosting starting\" (ms)", "Hosted services + Kestrel (ms)", "To first 200 /api/health (ms)",
            "First turn after health (ms)", "To first completed turn (ms)", "Health vs bare (paired)", "First turn done vs bare (paired)");
        foreach (var (name, starts, ratio) in new[]
        {
            ("Bare ASP.NET Core app (baseline, `bench/BareApp`)", bare, (Stats?)null),
            ("ChatBot.Api, local mode (SQLite, in-process cache, Development auth)", local, localRatio),
            ("ChatBot.Api as the stack starts it (ApiGateway auth, Bedrock, DynamoDB, Redis)", stack, stackRatio),
        })
        {
            section.Row(name,
                Stats.Of(starts.Select(s => s.HostStartingMs)).Format("0"),
                Stats.Of(starts.Select(s => s.HostStartedMs - s.HostStartingMs)).Format("0"),
                Stats.Of(starts.Select(s => s.HealthMs)).Format("0"),
                Stats.Of(starts.Select(s => s.FirstTurnMs - s.HealthMs)).Format("0"),
                Stats.Of(starts.Select(s => s.FirstTurnMs)).Format("0"),
                ratio is null ? "1 ×" : ratio.Format("0.00") + " ×",
                ratio is null ? "1 ×" : Stats.Of(starts.Zip(bare, (c, b) => c.FirstTurnMs / b.FirstTurnMs)).Format("0.00") + " ×");
        }

        section.Note($"Both apps: {apps.How}; started as the apphost with settings in the environment, as Lambda starts them; " +
                     $"{options.ColdStarts} alternating starts each, median (min–max). Disk cache is warm (the same files every start), as it is for a Lambda instance image.");
        section.Note("\"As the stack starts it\" is ApiFunction's environment with each AWS endpoint replaced by a local peer: Auth:Mode=ApiGateway (the bench sends the " +
                     "request context the Lambda Web Adapter forwards), Llm:Provider=Bedrock against the test kit's fake Bedrock (SigV4-checked, event-stream answers), " +
                     "DynamoDB on dynalite (the table exists: no DynamoDB call at startup) and the context cache on redis-server. Local mode uses an instant " +
                     "OpenAI-compatible fake model. The first turn is POST /api/conversations plus one streamed turn; the bare app's is one POST /api/turn relaying the instant fake model as SSE.");
        section.Note("Phases: \"Hosting starting\" marks the end of runtime start, Main, configuration and the DI container build; the next column is " +
                     "hosted services and Kestrel binding; the rest up to the health answer is the first request's own work (JIT of the pipeline). " +
                     "On Lambda the health answer ends the init phase (the Web Adapter's readiness check); the first turn is the first invocation.");
        report.Sections.Add(section);
        report.Goals.Add(new Goal("Cold start to /api/health vs bare app", "≤ 1.3×",
            $"local {localRatio.Format("0.00")} ×; as on Lambda {stackRatio.Format("0.00")} ×", localRatio.Median <= 1.3 && stackRatio.Median <= 1.3));
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

    private static async Task<Start> StartChatBotAsync(Apps apps, HttpClient http, Dictionary<string, string> settings)
    {
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
