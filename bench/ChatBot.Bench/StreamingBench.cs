using System.Diagnostics;
using System.Globalization;
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
    internal const string Prompt = "Tell me a story.";
    private const int Threads = 1;
    internal const int ContextSize = 512;
    // Long enough that the decode rate spans a few hundred milliseconds of a real model, not a few noisy ones.
    internal const int MaxOutputTokens = 400;

    internal sealed record Run(double TtftMs, double TokensPerSecond, int Tokens, double LastTokenMs);

    public static async Task RunAsync(BenchOptions options, Apps apps, Report report)
    {
        var section = new Section("1. Streaming overhead", "Model", "Path", "Tokens per answer", "Tokens/s", "Time to first token (ms)", "Whole answer (ms)");
        var generated = TinyGgufModel.WriteTempFile();
        try
        {
            var (rateRatio, ttftOverhead) = await MeasureAsync(options, apps, generated, "generated test model", section);
            if (options.ModelPath is not null)
            {
                // A real model's answers are longer and slower per token, closer to what a person waits for: its figures set the goals.
                (rateRatio, ttftOverhead) = await MeasureAsync(options, apps, options.ModelPath, $"`{Path.GetFileName(options.ModelPath)}`", section);
            }

            section.Note($"Prompt \"{Prompt}\"; {Threads} llama.cpp thread, context {ContextSize}, greedy, at most {MaxOutputTokens} tokens. " +
                         $"{options.Repetitions} paired runs (in-process, then HTTP) after one warm-up each; median (min–max). The generated model always answers " +
                         $"the 27-token alphabet; `--model path.gguf` adds a real model, whose figures then set the goals.");
            section.Note("Tokens/s is the decode rate between the first and the last token as the caller sees them; time to first token counts from the call (in-process) " +
                         "or from sending the POST (HTTP: includes routing, auth, storing the user message and the `user` event); whole answer is from the call to the last token.");
            section.Note("The HTTP side runs in the app's own process (the published app), the baseline in the bench process; both use one llama.cpp thread. " +
                         "Over HTTP, tokens produced faster than the client reads arrive together, which can make the HTTP decode rate look higher than the model's own.");
            report.Sections.Add(section);
            report.Goals.Add(new Goal("Streaming tokens/s vs in-process", "≥ 0.97×", rateRatio.Format("0.000") + " ×", rateRatio.Median >= 0.97));
            report.Goals.Add(new Goal("Streaming time-to-first-token overhead", "≤ 10 ms", ttftOverhead.Format("0.00") + " ms", ttftOverhead.Median <= 10));
        }
        finally
        {
            File.Delete(generated);
        }
    }

    private static async Task<(Stats RateRatio, Stats TtftOverhead)> MeasureAsync(BenchOptions options, Apps apps, string modelPath, string modelName, Section section)
    {
        using var inProcess = new LlamaSharpChatClient(
            new LlamaModelLoader(modelPath),
            new LlamaSharpOptions { ModelPath = modelPath, Threads = Threads, ContextSize = ContextSize });
        await using var app = AppProcess.Start(apps.ChatBot, ChatBotSettings(LlamaSharp(modelPath, Threads)));
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

        var rateRatio = Stats.Of(local.Zip(remote, (l, r) => r.TokensPerSecond / l.TokensPerSecond));
        var ttftOverhead = Stats.Of(local.Zip(remote, (l, r) => r.TtftMs - l.TtftMs));
        var wholeRatio = Stats.Of(local.Zip(remote, (l, r) => r.LastTokenMs / l.LastTokenMs));
        section.Row(modelName, "In-process `IChatClient` (baseline)", Tokens(local), Stats.Of(local.Select(r => r.TokensPerSecond)).Format("0"),
            Stats.Of(local.Select(r => r.TtftMs)).Format("0.00"), Stats.Of(local.Select(r => r.LastTokenMs)).Format("0.0"));
        section.Row(modelName, "HTTP API, SSE over loopback (HttpClient)", Tokens(remote), Stats.Of(remote.Select(r => r.TokensPerSecond)).Format("0"),
            Stats.Of(remote.Select(r => r.TtftMs)).Format("0.00"), Stats.Of(remote.Select(r => r.LastTokenMs)).Format("0.0"));
        section.Row(modelName, "**HTTP / in-process** (paired runs)", "", rateRatio.Format("0.000") + " ×", "+" + ttftOverhead.Format("0.00") + " ms", wholeRatio.Format("0.00") + " ×");
        return (rateRatio, ttftOverhead);
    }

    /// <summary>ChatBot in local mode with one model backend, answering greedily with no system prompt, at most <see cref="MaxOutputTokens"/>.</summary>
    internal static Dictionary<string, string> ChatBotSettings(IEnumerable<KeyValuePair<string, string>> model) => new(model)
    {
        ["Storage__Provider"] = "Sqlite",
        ["Storage__Sqlite__Path"] = Scratch.NewPath(".db"),
        ["Chat__MaxOutputTokens"] = MaxOutputTokens.ToString(CultureInfo.InvariantCulture),
        ["Chat__Temperature"] = "0",
        ["Chat__SystemPrompt"] = "",
    };

    /// <summary>The LlamaSharp backend (llama.cpp in the app's process) on a GGUF file.</summary>
    internal static Dictionary<string, string> LlamaSharp(string modelPath, int threads) => new()
    {
        ["Llm__Provider"] = "LlamaSharp",
        ["Llm__LlamaSharp__ModelPath"] = modelPath,
        ["Llm__LlamaSharp__Threads"] = threads.ToString(CultureInfo.InvariantCulture),
        ["Llm__LlamaSharp__ContextSize"] = ContextSize.ToString(CultureInfo.InvariantCulture),
    };

    internal static string Tokens(List<Run> runs) => Stats.Of(runs.Select(r => (double)r.Tokens)).Format("0");

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

        return new Run(first, Rate(tokens, first, last), tokens, last);
    }

    internal static async Task<Run> OverHttpAsync(HttpClient http, Uri baseAddress)
    {
        var conversation = await Sse.CreateConversationAsync(http, baseAddress, "bench");
        var events = await Sse.TurnAsync(http, Sse.TurnUrl(baseAddress, conversation), "bench", Prompt);
        var deltas = events.Where(e => e.Name == "delta").ToList();
        if (deltas.Count == 0 || events[^1].Name != "done")
        {
            throw new InvalidOperationException($"The streamed turn did not complete: {string.Join(" | ", events.Select(e => e.Name + " " + e.Data))}");
        }

        return new Run(deltas[0].Ms, Rate(deltas.Count, deltas[0].Ms, deltas[^1].Ms), deltas.Count, deltas[^1].Ms);
    }

    internal static double Rate(int tokens, double firstMs, double lastMs) =>
        tokens > 1 ? (tokens - 1) / ((lastMs - firstMs) / 1000) : double.NaN;
}
