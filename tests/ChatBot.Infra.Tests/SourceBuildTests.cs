using Amazon.CDK;
using Amazon.CDK.AWS.Lambda;

namespace ChatBot.Infra.Tests;

/// <summary>
/// Synth builds the API and the web app itself, through CDK local bundling, once per change of their sources. These tests
/// drive the same mechanism with a one-line shell build, so they run in a second; the real builds are timed in the deploy docs.
/// </summary>
public sealed class SourceBuildTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("chatbot-source-build-").FullName;

    public SourceBuildTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "app", "bin"));
        File.WriteAllText(Path.Combine(_root, "app", "main.txt"), "v1");
    }

    private string Runs => Path.Combine(_root, "runs.log");

    /// <summary>A build that writes its input into the bundle and counts its own runs.</summary>
    private SourceBuild Build() => new()
    {
        Name = "test app",
        Root = _root,
        Inputs = ["app"],
        Steps = [new BuildStep("sh", "-c", $"cp app/main.txt {{out}}/ && echo run >> {Runs}")],
    };

    private string Synth(string outDir)
    {
        // The CDK also caches staged assets in memory per process; clear it so only the files in cdk.out can answer.
        AssetStaging.ClearAssetHashCache();
        var app = new App(new AppProps { Outdir = outDir });
        _ = Code.FromAsset(Path.Combine(_root, "app"), Build().AssetOptions()).Bind(new Stack(app, "Test"));
        var staged = Assert.Single(Directory.GetDirectories(outDir, "asset.*"));
        return File.ReadAllText(Path.Combine(staged, "main.txt"));
    }

    private int RunCount => File.Exists(Runs) ? File.ReadAllLines(Runs).Length : 0;

    [Fact]
    public void Synth_BuildsTheAssetFromSource()
    {
        Assert.Equal("v1", Synth(Path.Combine(_root, "cdk.out")));
        Assert.Equal(1, RunCount);
    }

    [Fact]
    public void SecondSynth_WithUnchangedSources_BuildsNothing()
    {
        var outDir = Path.Combine(_root, "cdk.out");
        Synth(outDir);
        Synth(outDir);

        Assert.Equal(1, RunCount);
    }

    [Fact]
    public void Hash_FollowsTheSources_NotTheBuildOutputs()
    {
        var first = Build().Hash();
        File.WriteAllText(Path.Combine(_root, "app", "bin", "app.dll"), "build output");
        Directory.CreateDirectory(Path.Combine(_root, "app", ".data"));
        File.WriteAllText(Path.Combine(_root, "app", ".data", "chatbot.db"), "local data");
        Assert.Equal(first, Build().Hash());

        File.WriteAllText(Path.Combine(_root, "app", "main.txt"), "v2");
        Assert.NotEqual(first, Build().Hash());
    }

    [Fact]
    public void ChangedSource_IsBuiltAgain()
    {
        var outDir = Path.Combine(_root, "cdk.out");
        Synth(outDir);
        File.WriteAllText(Path.Combine(_root, "app", "main.txt"), "v2");

        AssetStaging.ClearAssetHashCache();
        var app = new App(new AppProps { Outdir = outDir });
        _ = Code.FromAsset(Path.Combine(_root, "app"), Build().AssetOptions()).Bind(new Stack(app, "Test"));

        Assert.Equal(2, RunCount);
        Assert.Contains(Directory.GetDirectories(outDir, "asset.*"), d => File.ReadAllText(Path.Combine(d, "main.txt")) == "v2");
    }

    [Fact]
    public void FailingBuild_SaysWhichCommandFailedAndWhatItPrinted()
    {
        var failing = new SourceBuild
        {
            Name = "test app",
            Root = _root,
            Inputs = ["app"],
            Steps = [new BuildStep("sh", "-c", "echo 'error CS1002: ; expected' >&2; exit 3")],
        };

        var error = Assert.Throws<SourceBuildException>(() => failing.Run(Path.Combine(_root, "out")));

        Assert.Contains("Building the test app failed", error.Message, StringComparison.Ordinal);
        Assert.Contains("exited with code 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("error CS1002", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NpmCi_RunsOnlyWhenTheLockFileIsNewerThanTheInstall()
    {
        var install = SourceBuild.WebApp(_root).Steps[0];
        Directory.CreateDirectory(Path.Combine(_root, "frontend", "node_modules"));
        var lockFile = Path.Combine(_root, "frontend", "package-lock.json");
        var installed = Path.Combine(_root, "frontend", "node_modules", ".package-lock.json");
        File.WriteAllText(lockFile, "{}");
        Assert.False(install.IsUpToDate(_root));

        File.WriteAllText(installed, "{}");
        File.SetLastWriteTimeUtc(lockFile, DateTime.UtcNow.AddMinutes(-1));
        Assert.True(install.IsUpToDate(_root));

        File.SetLastWriteTimeUtc(lockFile, DateTime.UtcNow.AddMinutes(1));
        Assert.False(install.IsUpToDate(_root));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
