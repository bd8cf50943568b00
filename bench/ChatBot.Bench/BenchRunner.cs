using System.Runtime.InteropServices;
using ChatBot.TestKit.LocalServers;

namespace ChatBot.Bench;

/// <summary>The whole benchmark run: the console entry point, and what the smoke test calls in-process.</summary>
public static class BenchRunner
{
    public static async Task<int> RunAsync(string[] args)
    {
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return 2;
        }

        var root = Apps.RepositoryRoot();
        var report = new Report();
        report.Header.Add($"- **Date:** {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        report.Header.Add($"- **Command:** `{options.CommandLine}`{(options.Quick ? " (quick: too few repetitions for figures to mean much)" : "")}");
        report.Header.Add($"- **Machine:** {Machine()}");
        report.Header.Add("- **How to read it:** every figure that has a goal is a ratio or a difference against a baseline measured in the same run, " +
                          "interleaved with it, because absolute times on a small shared machine vary from run to run (a virtual machine's " +
                          "neighbours, other work on its cores); the findings below say how loaded it was. Medians with (min–max) over the repetitions.");

        try
        {
            // First: it must be the first thing in this process to load llama.cpp.
            if (options.Runs("model"))
            {
                await LambdaModelBench.RunAsync(options, report);
            }

            var apps = options.Quick ? Apps.FromBuildOutputs(root) : await Apps.PublishAsync(root);
            await using var model = await InstantModel.StartAsync();
            var dynalite = new DynaliteFixture();
            var redis = new RedisServerFixture();
            await dynalite.InitializeAsync();
            await redis.InitializeAsync();
            try
            {
                if (options.Runs("streaming"))
                {
                    Console.Error.WriteLine("Streaming overhead...");
                    await StreamingBench.RunAsync(options, apps, report);
                    if (options.LlamaServer)
                    {
                        Console.Error.WriteLine("Against llama-server...");
                        await LlamaServerBench.RunAsync(options, apps, root, report);
                    }
                }

                if (options.Runs("coldstart"))
                {
                    Console.Error.WriteLine("Cold start...");
                    await ColdStartBench.RunAsync(options, apps, model, dynalite, redis, report);
                }

                if (options.Runs("datastore"))
                {
                    Console.Error.WriteLine("Datastore work per turn...");
                    await DatastoreBench.RunAsync(options, apps, model, dynalite, redis, report);
                }

                if (options.Runs("load"))
                {
                    Console.Error.WriteLine("Load...");
                    await LoadBench.RunAsync(options, apps, model, dynalite, redis, report);
                }

                if (options.Runs("concurrency"))
                {
                    Console.Error.WriteLine("Concurrent streamed answers...");
                    await ConcurrencyBench.RunAsync(options, apps, report);
                }

                if (options.Runs("sizes"))
                {
                    SizeBench.Run(apps, root, report);
                }
            }
            finally
            {
                await redis.DisposeAsync();
                await dynalite.DisposeAsync();
            }

            // The in-Lambda model section is measured first but reads best last.
            report.Sections.Sort((a, b) => string.CompareOrdinal(a.Title, b.Title));
        }
        finally
        {
            Scratch.Delete();
        }

        var markdown = report.ToMarkdown();
        Console.WriteLine(markdown);
        var output = options.OutputPath ?? (options.Quick ? null : Path.Combine(root, "docs", "benchmarks.md"));
        if (output is not null)
        {
            // Hand-written findings below the marker survive a new run; the figures above it are replaced.
            const string marker = "<!-- findings: written by hand, kept when the bench runs again -->";
            var previous = File.Exists(output) ? await File.ReadAllTextAsync(output) : "";
            var findings = previous.IndexOf(marker, StringComparison.Ordinal) is var at and >= 0 ? previous[at..] : "";
            await File.WriteAllTextAsync(output, findings.Length > 0 ? markdown + Environment.NewLine + findings : markdown);
            Console.Error.WriteLine($"Wrote {output}");
        }

        return 0;
    }

    private static string Machine()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var memoryGb = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1024.0 / 1024 / 1024;
        return $"{cpu ?? RuntimeInformation.ProcessArchitecture.ToString()}, {Environment.ProcessorCount} cores, {memoryGb:0} GB RAM; " +
               $"{RuntimeInformation.OSDescription}; .NET {Environment.Version} ({RuntimeInformation.RuntimeIdentifier})";
    }
}
