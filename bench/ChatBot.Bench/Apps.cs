using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ChatBot.Bench;

/// <summary>Where the two apps under test live: published like the Lambda package, or (quick run) their build outputs.</summary>
public sealed record Apps(string ChatBotFolder, string BareFolder, string How)
{
    public string ChatBot => Path.Combine(ChatBotFolder, "ChatBot.Api");

    public string Bare => Path.Combine(BareFolder, "BareApp");

    public static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "ChatBot.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"Could not find ChatBot.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>
    /// Publishes both apps with the Lambda package's settings (infra DeploymentSettings: Release, framework-dependent,
    /// ReadyToRun), for this machine's RID instead of linux-arm64 so they can run here.
    /// </summary>
    public static async Task<Apps> PublishAsync(string root)
    {
        var rid = RuntimeInformation.RuntimeIdentifier;
        var output = Path.Combine(root, "artifacts", "bench");
        var api = Path.Combine(output, "api");
        var bare = Path.Combine(output, "bare");
        await PublishAsync(root, "src/ChatBot.Api", rid, api);
        await PublishAsync(root, "bench/BareApp", rid, bare);
        return new Apps(api, bare, $"`dotnet publish -c Release -r {rid} --self-contained false -p:PublishReadyToRun=true` (the Lambda package's settings, local RID)");
    }

    /// <summary>
    /// The apps' newest build outputs for this machine, which the bench's own build produces (it references both projects).
    /// Only the output folder of this machine's RID counts: a `dotnet publish -r linux-arm64` for Lambda writes a newer
    /// apphost next to it that this machine cannot run.
    /// </summary>
    public static Apps FromBuildOutputs(string root)
    {
        var rid = RuntimeInformation.RuntimeIdentifier;

        string Newest(string project, string executable) =>
            Directory.EnumerateFiles(Path.Combine(root, project, "bin"), executable, SearchOption.AllDirectories)
                .Where(path => Path.GetFileName(Path.GetDirectoryName(path)) == rid)
                .OrderByDescending(File.GetLastWriteTimeUtc)
                .Select(Path.GetDirectoryName)
                .FirstOrDefault() ?? throw new InvalidOperationException($"No {rid} build output of {project}: build ChatBot.sln first.");

        return new Apps(Newest("src/ChatBot.Api", "ChatBot.Api"), Newest("bench/BareApp", "BareApp"),
            "build outputs (quick run: not published, no ReadyToRun)");
    }

    private static async Task PublishAsync(string root, string project, string rid, string output)
    {
        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }

        Console.Error.WriteLine($"Publishing {project} to {output}...");
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "publish", project, "-c", "Release", "-r", rid, "--self-contained", "false", "-p:PublishReadyToRun=true", "-o", output, "--nologo", "-v", "quiet" })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish {project} failed:{Environment.NewLine}{await stdout}{await stderr}");
        }
    }
}
