using System.Diagnostics;
using ChatBot.Llm.LlamaSharp;
using ChatBot.TestKit;

namespace ChatBot.Bench;

/// <summary>
/// `llm=lambda` (a GGUF model inside the Lambda function): the cold-start phases that can be measured here, the
/// llama.cpp native library load and the model load from local disk. Must run before anything else in this process
/// touches LLamaSharp, or the native load has already happened.
/// </summary>
public static class LambdaModelBench
{
    /// <summary>The default model (Qwen2.5-0.5B-Instruct Q4_K_M) is about this big.</summary>
    private const double DefaultModelMb = 400;

    public static async Task RunAsync(BenchOptions options, Report report)
    {
        var section = new Section("6. In-Lambda model (llm=lambda): measured locally", "Phase", "Model", "Size", "Time (ms)");
        var generated = TinyGgufModel.WriteTempFile();
        try
        {
            // The first load pays for the native library; later loads of the same file are the model load alone.
            var clock = Stopwatch.StartNew();
            (await LlamaModel.LoadAsync(generated)).Dispose();
            var first = clock.Elapsed.TotalMilliseconds;
            var loads = await LoadTimesAsync(generated, options.Repetitions);
            section.Row("First load: native library (llama.cpp) + model", "generated test model", Size(generated), Stats.Fmt(first, "0"));
            section.Row("Model load from local disk", "generated test model", Size(generated), loads.Format("0.0"));
            section.Row("Native library load (first load − median later load)", "", "", Stats.Fmt(first - loads.Median, "0"));

            if (options.LambdaModelPath is { } real && File.Exists(real))
            {
                section.Row("Model load from local disk", $"`{Path.GetFileName(real)}`", Size(real), (await LoadTimesAsync(real, options.Repetitions)).Format("0.0"));
            }
            else
            {
                section.Note(options.LambdaModelPath is null
                    ? "No real model measured: pass --lambda-model path/to/model.gguf (any GGUF file)."
                    : $"No real model measured: {options.LambdaModelPath} does not exist.");
            }
        }
        finally
        {
            File.Delete(generated);
        }

        section.Note($"Model loads: {options.Repetitions} repetitions, median (min–max), file in the page cache (a warm local disk).");
        section.Note($"**Estimate, not measured:** on Lambda the default ~{DefaultModelMb:0} MB model must first come from S3 to /tmp (or an EFS/container image). " +
                     $"At an assumed 60–100 MB/s (one S3 GET stream's usual rate; the app runs 8 ranged GETs in parallel, Llm:LlamaSharp:ModelS3Concurrency, which should do better but is unmeasured here), that copy alone is at most about {DefaultModelMb / 100:0}–{DefaultModelMb / 60:0} s; " +
                     "llama.cpp then memory-maps the file and reads it once, another ~0.5–2 s at /tmp read speeds, plus the native load above and the .NET cold start of section 2. " +
                     "So expect up to roughly 5–9 s of cold start before the first token, against well under a second for the Bedrock default.");
        report.Sections.Add(section);
    }

    private static async Task<Stats> LoadTimesAsync(string path, int repetitions)
    {
        var times = new List<double>();
        for (var i = 0; i < repetitions; i++)
        {
            var clock = Stopwatch.StartNew();
            (await LlamaModel.LoadAsync(path)).Dispose();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        return Stats.Of(times);
    }

    private static string Size(string path) => $"{new FileInfo(path).Length / 1024.0:0.0} KB";
}
