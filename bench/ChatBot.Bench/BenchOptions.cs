namespace ChatBot.Bench;

/// <summary>The command line: <c>[--quick] [--model path.gguf] [--lambda-model path.gguf] [--llama-server] [--output path.md] [--only section,...]</c>.</summary>
public sealed record BenchOptions
{
    /// <summary>A few repetitions and no publish (the build outputs run instead): for the smoke test, not for figures.</summary>
    public bool Quick { get; init; }

    /// <summary>A real GGUF for the streaming benchmark; the generated test model when null.</summary>
    public string? ModelPath { get; init; }

    /// <summary>A real GGUF whose load time stands in for the in-Lambda model (llm=lambda).</summary>
    public string? LambdaModelPath { get; init; }

    /// <summary>Also compare with llama.cpp's own llama-server, built from source once (minutes) and cached outside the repository.</summary>
    public bool LlamaServer { get; init; }

    /// <summary>Where the Markdown report goes; a full run defaults to docs/benchmarks.md, a quick run writes none.</summary>
    public string? OutputPath { get; init; }

    /// <summary>The sections to run (model, streaming, coldstart, datastore, load, concurrency, sizes); all when empty.</summary>
    public IReadOnlySet<string> Only { get; init; } = new HashSet<string>();

    public required string CommandLine { get; init; }

    public bool Runs(string section) => Only.Count == 0 || Only.Contains(section);

    public int Repetitions => Quick ? 2 : 25;

    public int ColdStarts => Quick ? 2 : 10;

    public int LoadClients => Quick ? 4 : 32;

    public int LoadTurnsPerClient => Quick ? 2 : 100;

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions { CommandLine = string.Join(' ', ["./bench.sh", .. args]) };
        for (var i = 0; i < args.Length; i++)
        {
            options = args[i] switch
            {
                "--quick" => options with { Quick = true },
                "--llama-server" => options with { LlamaServer = true },
                // Absolute, because the published app under test runs in its own folder.
                "--model" => options with { ModelPath = Path.GetFullPath(Value(args, ++i)) },
                "--lambda-model" => options with { LambdaModelPath = Path.GetFullPath(Value(args, ++i)) },
                "--output" => options with { OutputPath = Value(args, ++i) },
                "--only" => options with { Only = Value(args, ++i).Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal) },
                _ => throw new ArgumentException($"Unknown argument '{args[i]}'. Use: [--quick] [--model path.gguf] [--lambda-model path.gguf] [--llama-server] [--output path.md] [--only model,streaming,coldstart,datastore,load,concurrency,sizes]"),
            };
        }

        return options;
    }

    private static string Value(string[] args, int i) =>
        i < args.Length ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value.");
}
