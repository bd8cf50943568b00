using System.Diagnostics;
using ChatBot.Llm.LlamaSharp;
using ChatBot.TestKit;
using Microsoft.Extensions.AI;

namespace ChatBot.Bench;

/// <summary>
/// Streaming overhead: the same model and prompt generated in-process through IChatClient, then through the API as SSE
/// read by HttpClient from the app's own process on loopback. Runs alternate (in-process, HTTP, in-process, ...) so a
/// busy neighbour on the machine slows both sides alike.
/// </summary>
public static class StreamingBench
{
    private const string Prompt = "Tell me a story.";
    private const int Threads = 1;
    private const int ContextSize = 512;
    private const int MaxOutputTokens = 64;

    private sealed record Run(double TtftMs, double TokensPerSecond, int Tokens);

    public static async Task RunAsync(BenchOptions options, Apps apps, Report report)
    {
        var generated = options.ModelPath is null;
        var modelPath = options.ModelPath ?? TinyGgufModel.WriteTempFile();
        try
        {
            using var inProcess = new LlamaSharpChatClient(
                new LlamaModelLoader(modelPath),
                new LlamaSharpOptions { ModelPath = modelPath, Threads = Threads, ContextSize = ContextSize, MaxOutputTokens = MaxOutputTokens });
            await using var app = AppProcess.Start(apps.ChatBot, new Dictionary<string, string>
            {
                ["Storage__Provider"] = "Sqlite",
                ["Storage__Sqlite__Path"] = Scratch.NewPath(".db"),
                ["Llm__Provider"] = "LlamaSharp",
                ["Llm__ModelPath"] = modelPath,
                ["Llm__Threads"] = Threads.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Llm__ContextSize"] = ContextSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Llm__MaxOutputTokens"] = MaxOutputTokens.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Chat__MaxOutputTokens"] = MaxOutputTokens.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Chat__Temperature"] = "0",
                ["Chat__SystemPrompt"] = "",
            });
            using var http = Sse.CreateClient();
            await app.WaitForHealthAsync(http, TimeSpan.FromMinutes(2));

            // One warm-up each: model load, JIT and the first SQLite connection are not streaming overhead.
            await InProcessAsync(inProcess);
            await OverHttpAsync(http, app.BaseAddress);

            var local = new List<Run>();
            var remote = new List<Run>();
            for (var i = 0; i < options.Repetitions; i++)
            {
                local.Add(await InProcessAsync(inProcess));
                remote.Add(await OverHttpAsync(http, app.BaseAddress));
            }

            var localRate = Stats.Of(local.Select(r => r.TokensPerSecond));
            var remoteRate = Stats.Of(remote.Select(r => r.TokensPerSecond));
            var localTtft = Stats.Of(local.Select(r => r.TtftMs));
            var remoteTtft = Stats.Of(remote.Select(r => r.TtftMs));
            var rateRatio = Stats.Of(local.Zip(remote, (l, r) => r.TokensPerSecond / l.TokensPerSecond));
            var ttftOverhead = Stats.Of(local.Zip(remote, (l, r) => r.TtftMs - l.TtftMs));

            var model = generated ? "generated test model (TinyGgufModel)" : $"`{Path.GetFileName(modelPath)}`";
            report.Sections.Add(new Section("1. Streaming overhead", "Path", "Tokens per answer", "Tokens/s", "Time to first token (ms)")
                .Row("In-process `IChatClient` (baseline)", $"{local[0].Tokens}", localRate.Format("0"), localTtft.Format("0.00"))
                .Row("HTTP API, SSE over loopback (HttpClient)", $"{remote[0].Tokens}", remoteRate.Format("0"), remoteTtft.Format("0.00"))
                .Row("**Ratio / overhead** (paired runs)", "", rateRatio.Format("0.000") + " ×", ttftOverhead.Format("0.00") + " ms")
                .Note($"Model: {model}; prompt \"{Prompt}\"; {Threads} llama.cpp thread, context {ContextSize}, greedy, at most {MaxOutputTokens} tokens. " +
                      $"{options.Repetitions} paired runs after one warm-up each; median (min–max).")
                .Note("Tokens/s is the decode rate between the first and the last token; time to first token counts from the call (in-process) " +
                      "or from sending the POST (HTTP: includes routing, auth, storing the user message and the `user` event).")
                .Note("The HTTP side runs in the app's own process (the published app), the baseline in the bench process; both use one thread."));

            report.Goals.Add(new Goal("Streaming tokens/s vs in-process", "≥ 0.97×", rateRatio.Format("0.000") + " ×", rateRatio.Median >= 0.97));
            report.Goals.Add(new Goal("Streaming time-to-first-token overhead", "≤ 10 ms", ttftOverhead.Format("0.00") + " ms", ttftOverhead.Median <= 10));
        }
        finally
        {
            if (generated)
            {
                File.Delete(modelPath);
            }
        }
    }

    private static async Task<Run> InProcessAsync(LlamaSharpChatClient client)
    {
        var clock = Stopwatch.StartNew();
        double first = double.NaN, last = 0;
        var tokens = 0;
        var chatOptions = new ChatOptions { Temperature = 0, MaxOutputTokens = MaxOutputTokens };
        await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, Prompt)], chatOptions))
        {
            if (update.Text.Length > 0)
            {
                last = clock.Elapsed.TotalMilliseconds;
                first = tokens == 0 ? last : first;
                tokens++;
            }
        }

        return new Run(first, Rate(tokens, first, last), tokens);
    }

    private static async Task<Run> OverHttpAsync(HttpClient http, Uri baseAddress)
    {
        var conversation = await Sse.CreateConversationAsync(http, baseAddress, "bench");
        var events = await Sse.TurnAsync(http, Sse.TurnUrl(baseAddress, conversation), "bench", Prompt);
        var deltas = events.Where(e => e.Name == "delta").ToList();
        if (deltas.Count == 0 || events[^1].Name != "done")
        {
            throw new InvalidOperationException($"The streamed turn did not complete: {string.Join(" | ", events.Select(e => e.Name + " " + e.Data))}");
        }

        return new Run(deltas[0].Ms, Rate(deltas.Count, deltas[0].Ms, deltas[^1].Ms), deltas.Count);
    }

    private static double Rate(int tokens, double firstMs, double lastMs) =>
        tokens > 1 ? (tokens - 1) / ((lastMs - firstMs) / 1000) : double.NaN;
}
