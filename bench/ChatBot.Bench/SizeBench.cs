using System.IO.Compression;
using System.Text.RegularExpressions;

namespace ChatBot.Bench;

/// <summary>What gets shipped: the Lambda package, zipped and unzipped, and the web app's gzipped JavaScript.</summary>
public static partial class SizeBench
{
    public static void Run(Apps apps, string root, Report report)
    {
        var section = new Section("5. Sizes", "What", "Size");
        var unzipped = Directory.EnumerateFiles(apps.ChatBotFolder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        var zip = Scratch.NewPath(".zip");
        ZipFile.CreateFromDirectory(apps.ChatBotFolder, zip, CompressionLevel.Optimal, includeBaseDirectory: false);
        section.Row("API package, unzipped", Mb(unzipped));
        section.Row("API package, zipped (what Lambda stores; limit 50 MB zipped, 250 MB unzipped)", Mb(new FileInfo(zip).Length));
        section.Note($"API package: {apps.How}, for {System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier}; " +
                     "the linux-arm64 package differs only in its native libraries (llama.cpp, SQLite).");

        var dist = Path.Combine(root, "frontend", "dist");
        if (File.Exists(Path.Combine(dist, "index.html")))
        {
            var html = File.ReadAllText(Path.Combine(dist, "index.html"));
            var initial = ScriptReference().Matches(html).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
            var scripts = Directory.EnumerateFiles(dist, "*.js", SearchOption.AllDirectories)
                .Select(f => (Name: Path.GetRelativePath(dist, f), Gzip: GzipLength(f)))
                .ToList();
            section.Row("Web app JS, gzipped, loaded on first visit in local mode", Kb(scripts.Where(s => initial.Contains(s.Name)).Sum(s => s.Gzip)));
            section.Row("Web app JS, gzipped, all chunks (deployed mode adds the lazy sign-in chunk)", Kb(scripts.Sum(s => s.Gzip)));
            section.Note("Web app: frontend/dist from `npm run build` (./bench.sh builds it), gzip at the highest level, as frontend/scripts/check-budget.mjs counts it.");
        }
        else
        {
            section.Row("Web app JS, gzipped", "not measured: frontend/dist is missing (./bench.sh builds it)");
        }

        report.Sections.Add(section);
    }

    private static long GzipLength(string file)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            using var input = File.OpenRead(file);
            input.CopyTo(gzip);
        }

        return output.Length;
    }

    private static string Mb(long bytes) => $"{bytes / 1024.0 / 1024.0:0.0} MB";

    private static string Kb(long bytes) => $"{bytes / 1024.0:0.0} KB";

    [GeneratedRegex("(?:src|href)=\"/?([^\"]+\\.js)\"")]
    private static partial Regex ScriptReference();
}
