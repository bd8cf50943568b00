using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using ChatBot.TestKit;

namespace ChatBot.Bench;

/// <summary>
/// llama.cpp's own OpenAI-compatible server as the anchor (<c>--llama-server</c>): the same GGUF, thread count, prompt,
/// greedy decoding and output budget through (a) ChatBot with LLamaSharp in its own process, (b) ChatBot with
/// Llm:Provider=OpenAI in front of that llama-server (the llm=fargate path), and llama-server streaming
/// /v1/chat/completions directly; runs interleaved (direct, a, b, direct, ...) so a busy neighbour slows all alike.
/// </summary>
public static class LlamaServerBench
{
    private static readonly int[] ThreadCounts = [1, 2];

    public static async Task RunAsync(BenchOptions options, Apps apps, string root, Report report)
    {
        var server = await BuildAsync(root);
        var generated = options.ModelPath is null ? TinyGgufModel.WriteTempFile() : null;
        var modelPath = options.ModelPath ?? generated!;
        var modelName = options.ModelPath is null ? "generated test model" : $"`{Path.GetFileName(options.ModelPath)}`";
        var section = new Section("1b. Against llama.cpp's own server (`--llama-server`)",
            "Threads", "Path", "Tokens per answer", "Tokens/s", "Time to first token (ms)", "Whole answer (ms)");
        try
        {
            foreach (var threads in ThreadCounts)
            {
                await MeasureAsync(options, apps, server, modelPath, modelName, threads, section, report);
            }
        }
        finally
        {
            if (generated is not null)
            {
                File.Delete(generated);
            }
        }

        section.Note($"Model {modelName}; prompt \"{StreamingBench.Prompt}\" as the only message (no system prompt), temperature 0 (greedy), at most " +
                     $"{StreamingBench.MaxOutputTokens} output tokens, context {StreamingBench.ContextSize}; llama-server runs one slot (`-np 1`) with `-t N -tb N` and its defaults otherwise " +
                     $"(prompt cache on). {options.Repetitions} interleaved runs per path after one warm-up each; median (min–max). Each server is its own process on this machine; the bench process reads all three over loopback.");
        section.Note("On this 2-core machine all three processes share the cores: with 2 llama.cpp threads, llama-server alone fills both, so ChatBot (and the client) " +
                     "can only run by pre-empting one of its threads, and llama.cpp's threads wait for each other at every step. The 2-thread (b) row therefore measures co-location, " +
                     "not the relay; with llm=fargate the API runs on Lambda and llama-server on its own task.");
        section.Note("Time to first token counts from sending the POST to the first text: for ChatBot that includes auth, the conversation check, storing the user message (SQLite) and the `user` event. " +
                     "Tokens/s is the rate between the first and the last text event. ChatBot with LLamaSharp formats the prompt with its own template, llama-server with the GGUF's chat template, " +
                     "so (a) may produce a different number of tokens; (b) sends llama-server the same messages as the direct call.");
        section.Note($"llama.cpp versions: ChatBot's LLamaSharp {LlamaSharpVersion(root)} bundles llama.cpp commit `815a2a5` " +
                     $"(LLamaSharp's README); llama-server: {server.Version}.");
        report.Sections.Add(section);
    }

    private sealed record Server(string Path, string Version);

    /// <summary>The LLamaSharp package version pinned in Directory.Packages.props (its assembly carries no version).</summary>
    private static string LlamaSharpVersion(string root) =>
        System.Text.RegularExpressions.Regex.Match(File.ReadAllText(Path.Combine(root, "Directory.Packages.props")),
            "Include=\"LLamaSharp\" Version=\"([^\"]+)\"") is { Success: true } match ? match.Groups[1].Value : "unknown";

    /// <summary>Builds llama-server once (bench/build-llama-server.sh caches it outside the repository) and says which llama.cpp it is.</summary>
    private static async Task<Server> BuildAsync(string root)
    {
        var script = Path.Combine(root, "bench", "build-llama-server.sh");
        var (exit, stdout, stderr) = await RunAsync("bash", [script]);
        var binary = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()?.Trim();
        if (exit != 0 || binary is null || !File.Exists(binary))
        {
            throw new InvalidOperationException($"Building llama-server failed ({exit}):{Environment.NewLine}{stderr}");
        }

        Console.Error.WriteLine(stderr.Trim());
        var recorded = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(binary)!)!, "VERSION");
        var source = File.Exists(recorded) ? string.Join(", ", File.ReadAllLines(recorded).Where(l => l.Length > 0)) : "unknown source";
        var (_, versionOut, versionErr) = await RunAsync(binary, ["--version"]);
        var version = (versionOut + versionErr).Split('\n').FirstOrDefault(l => l.StartsWith("version", StringComparison.Ordinal))?.Trim() ?? "version not reported";
        return new Server(binary, $"{version} ({source}), built from source, CPU only");
    }

    private static async Task MeasureAsync(BenchOptions options, Apps apps, Server server, string modelPath, string modelName, int threads, Section section, Report report)
    {
        var t = threads.ToString(CultureInfo.InvariantCulture);
        await using var llamaServer = AppProcess.Start(server.Path, new Dictionary<string, string>(),
        [
            "-m", modelPath, "-t", t, "-tb", t, "-c", StreamingBench.ContextSize.ToString(CultureInfo.InvariantCulture), "-np", "1",
            "--host", "127.0.0.1", "--port", "{port}", "--no-webui",
        ]);
        await using var withLlamaSharp = AppProcess.Start(apps.ChatBot, StreamingBench.ChatBotSettings(StreamingBench.LlamaSharp(modelPath, threads)));
        await using var inFront = AppProcess.Start(apps.ChatBot, StreamingBench.ChatBotSettings(new Dictionary<string, string>
        {
            ["Llm__Provider"] = "OpenAI",
            ["Llm__OpenAI__Endpoint"] = new Uri(llamaServer.BaseAddress, "v1/").ToString(),
            ["Llm__OpenAI__ModelId"] = Path.GetFileNameWithoutExtension(modelPath),
        }));
        using var http = Sse.CreateClient();
        await llamaServer.WaitForHealthAsync(http, TimeSpan.FromMinutes(2), "health");
        await withLlamaSharp.WaitForHealthAsync(http, TimeSpan.FromMinutes(2));
        await inFront.WaitForHealthAsync(http, TimeSpan.FromMinutes(2));

        // One warm-up each: model load, JIT, the first SQLite connection, llama-server's first slot.
        await DirectAsync(http, llamaServer.BaseAddress);
        await StreamingBench.OverHttpAsync(http, withLlamaSharp.BaseAddress);
        await StreamingBench.OverHttpAsync(http, inFront.BaseAddress);

        var direct = new List<StreamingBench.Run>();
        var llamaSharp = new List<StreamingBench.Run>();
        var relay = new List<StreamingBench.Run>();
        for (var i = 0; i < options.Repetitions; i++)
        {
            direct.Add(await DirectAsync(http, llamaServer.BaseAddress));
            llamaSharp.Add(await StreamingBench.OverHttpAsync(http, withLlamaSharp.BaseAddress));
            relay.Add(await StreamingBench.OverHttpAsync(http, inFront.BaseAddress));
        }

        section.Row(t, "llama-server, `/v1/chat/completions` streamed directly (baseline)", StreamingBench.Tokens(direct), Rate(direct), Ttft(direct), Whole(direct));
        section.Row(t, "(a) ChatBot full stack, LLamaSharp in process", StreamingBench.Tokens(llamaSharp), Rate(llamaSharp), Ttft(llamaSharp), Whole(llamaSharp));
        section.Row(t, "(b) ChatBot, Llm:Provider=OpenAI in front of that llama-server (llm=fargate)", StreamingBench.Tokens(relay), Rate(relay), Ttft(relay), Whole(relay));
        var (aRate, aTtft) = Compare(direct, llamaSharp);
        var (bRate, bTtft) = Compare(direct, relay);
        section.Row(t, "**(a) / baseline** (paired runs)", "", aRate.Format("0.000") + " ×", "+" + aTtft.Format("0.00") + " ms", "");
        section.Row(t, "**(b) / baseline** (paired runs)", "", bRate.Format("0.000") + " ×", "+" + bTtft.Format("0.00") + " ms", "");

        report.Goals.Add(new Goal($"(a) ChatBot with LLamaSharp vs llama-server, {t} thread(s): tokens/s", "≥ 1.0×", aRate.Format("0.000") + " ×", aRate.Median >= 1.0));
        report.Goals.Add(new Goal($"(a) ChatBot with LLamaSharp vs llama-server, {t} thread(s): time to first token", "≤ +5 ms", "+" + aTtft.Format("0.00") + " ms", aTtft.Median <= 5));
        report.Goals.Add(new Goal($"(b) ChatBot in front of llama-server vs llama-server, {t} thread(s): tokens/s", "≥ 0.97×", bRate.Format("0.000") + " ×", bRate.Median >= 0.97));
        report.Goals.Add(new Goal($"(b) ChatBot in front of llama-server vs llama-server, {t} thread(s): time to first token", "≤ +10 ms", "+" + bTtft.Format("0.00") + " ms", bTtft.Median <= 10));
    }

    private static (Stats Rate, Stats Ttft) Compare(List<StreamingBench.Run> baseline, List<StreamingBench.Run> other) =>
        (Stats.Of(baseline.Zip(other, (b, o) => o.TokensPerSecond / b.TokensPerSecond)), Stats.Of(baseline.Zip(other, (b, o) => o.TtftMs - b.TtftMs)));

    private static string Rate(List<StreamingBench.Run> runs) => Stats.Of(runs.Select(r => r.TokensPerSecond)).Format("0");

    private static string Ttft(List<StreamingBench.Run> runs) => Stats.Of(runs.Select(r => r.TtftMs)).Format("0.00");

    private static string Whole(List<StreamingBench.Run> runs) => Stats.Of(runs.Select(r => r.LastTokenMs)).Format("0.0");

    /// <summary>One streamed completion straight from llama-server, timed per text chunk (one token each).</summary>
    private static async Task<StreamingBench.Run> DirectAsync(HttpClient http, Uri baseAddress)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseAddress, "v1/chat/completions"))
        {
            Content = JsonContent.Create(new
            {
                model = "bench",
                stream = true,
                temperature = 0,
                max_tokens = StreamingBench.MaxOutputTokens,
                messages = new[] { new { role = "user", content = StreamingBench.Prompt } },
            }),
        };
        var clock = Stopwatch.StartNew();
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        double first = double.NaN, last = 0;
        var tokens = 0;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: {", StringComparison.Ordinal))
            {
                continue;
            }

            using var chunk = JsonDocument.Parse(line.AsMemory("data: ".Length));
            if (chunk.RootElement.TryGetProperty("choices", out var choices) && choices.GetArrayLength() > 0
                && choices[0].TryGetProperty("delta", out var delta) && delta.TryGetProperty("content", out var content)
                && content.ValueKind == JsonValueKind.String && content.GetString() is { Length: > 0 })
            {
                last = clock.Elapsed.TotalMilliseconds;
                first = tokens == 0 ? last : first;
                tokens++;
            }
        }

        if (tokens == 0)
        {
            throw new InvalidOperationException("llama-server streamed no text.");
        }

        return new StreamingBench.Run(first, StreamingBench.Rate(tokens, first, last), tokens, last);
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string file, string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}
