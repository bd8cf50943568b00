using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Amazon.CDK;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.S3.Deployment;
using Amazon.JSII.Runtime.Deputy;
using AssetOptions = Amazon.CDK.AWS.S3.Assets.AssetOptions;

namespace ChatBot.Infra;

/// <summary>One program a <see cref="SourceBuild"/> runs, from the repository root. <c>{out}</c> in an argument is the bundle folder.</summary>
public sealed record BuildStep(string Program, params string[] Arguments)
{
    /// <summary>Like make: the step is skipped when this file (relative to the root) exists and is not older than <see cref="From"/>.</summary>
    public string? Creates { get; init; }

    public string? From { get; init; }

    public bool IsUpToDate(string root) =>
        Creates is not null && From is not null && File.Exists(Path.Combine(root, Creates))
        && File.GetLastWriteTimeUtc(Path.Combine(root, Creates)) >= File.GetLastWriteTimeUtc(Path.Combine(root, From));

    public override string ToString() => string.Join(' ', [Program, .. Arguments]);
}

/// <summary>
/// A deployable folder built from this repository's sources while the CDK app synthesizes: a CDK asset with local
/// bundling, so `cdk deploy` needs no earlier step and no Docker. The asset hash is a hash of the files the build
/// reads (<see cref="Inputs"/>) and of its steps, so the CDK finds <c>cdk.out/asset.&lt;hash&gt;</c> from an earlier synth
/// and builds nothing when they are unchanged.
/// </summary>
public sealed class SourceBuild
{
    /// <summary>Folders never read for the hash: build outputs, installed packages, and dot-folders such as a local .data.</summary>
    private static readonly HashSet<string> IgnoredFolders = new(StringComparer.Ordinal) { "bin", "obj", "node_modules", "dist" };

    /// <summary>How the Lambda package is published, whether synth builds it or a user passes their own with -c apiPackage.</summary>
    public static readonly string[] LambdaPublishSettings =
        ["-c", "Release", "-r", "linux-arm64", "--self-contained", "false", "-p:PublishReadyToRun=true"];

    /// <summary>
    /// The Lambda package: framework-dependent for the managed dotnet10 runtime on Graviton, ReadyToRun for a shorter cold
    /// start. Its intermediate files go to artifacts/lambda-build, so a linux-arm64 build never lands in the projects' own
    /// bin and obj folders, where local runs and tests look for this machine's build, and a rebuild after a small change
    /// is incremental.
    /// </summary>
    public static readonly BuildStep ApiPublish = new("dotnet",
        ["publish", "src/ChatBot.Api", .. LambdaPublishSettings, "--artifacts-path", "artifacts/lambda-build", "--nologo", "-v", "quiet", "-o", "{out}"]);


    public required string Name { get; init; }

    /// <summary>The repository root: steps run here and <see cref="Inputs"/> are relative to it.</summary>
    public required string Root { get; init; }

    /// <summary>Files and folders (relative to <see cref="Root"/>) whose content decides the result.</summary>
    public required IReadOnlyList<string> Inputs { get; init; }

    public required IReadOnlyList<BuildStep> Steps { get; init; }

    /// <summary>A folder the result is copied from after the steps, or null when the steps write to <c>{out}</c> themselves.</summary>
    public string? CopyFrom { get; init; }

    /// <summary>The API package the Lambda function runs (see <see cref="ApiFunction"/>).</summary>
    public static SourceBuild Api(string root) => new()
    {
        Name = "API package",
        Root = root,
        Inputs = ["src", "Directory.Build.props", "Directory.Packages.props", "global.json", "NuGet.config"],
        Steps = [ApiPublish],
    };

    /// <summary>The web app, built with its size budget by `npm run build`; npm ci only when the lock file is newer than node_modules.</summary>
    public static SourceBuild WebApp(string root) => new()
    {
        Name = "web app",
        Root = root,
        Inputs = ["frontend"],
        Steps =
        [
            new BuildStep("npm", "ci", "--prefix", "frontend", "--no-audit", "--no-fund", "--loglevel=error")
            {
                Creates = "frontend/node_modules/.package-lock.json",
                From = "frontend/package-lock.json",
            },
            new BuildStep("npm", "run", "build", "--prefix", "frontend"),
        ],
        CopyFrom = "frontend/dist",
    };

    /// <summary>The code the API function runs: the folder given with -c apiPackage as it is, else the API built from source.</summary>
    public static Code ApiCode(DeploymentSettings settings) => settings.ApiPackagePath is { } folder
        ? Code.FromAsset(folder)
        : Code.FromAsset(Path.Combine(settings.SourceRoot, "src"), Api(settings.SourceRoot).AssetOptions());

    /// <summary>The site's files: the folder given with -c webDist as it is, else the web app built from source.</summary>
    public static ISource WebAppSource(DeploymentSettings settings) => settings.WebDistPath is { } folder
        ? Source.Asset(folder)
        : Source.Asset(Path.Combine(settings.SourceRoot, "frontend"), WebApp(settings.SourceRoot).AssetOptions());

    /// <summary>The asset options that make the CDK run this build into the asset's folder, keyed by <see cref="Hash"/>.</summary>
    public AssetOptions AssetOptions() => new()
    {
        AssetHashType = AssetHashType.CUSTOM,
        AssetHash = Hash(),
        Bundling = new BundlingOptions
        {
            // Required by the CDK, never pulled: the local bundler always builds or fails, so Docker is not a fallback.
            Image = DockerImage.FromRegistry("chatbot-builds-locally-without-docker"),
            Local = new LocalBundler(this),
        },
    };

    /// <summary>SHA-256 over the steps and every input file's path and content, in a stable order.</summary>
    public string Hash()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var step in Steps)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(step + "\n"));
        }

        foreach (var file in InputFiles())
        {
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(Root, file).Replace('\\', '/') + "\0"));
            hash.AppendData(SHA256.HashData(File.ReadAllBytes(file)));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private IEnumerable<string> InputFiles()
    {
        var files = new List<string>();
        foreach (var input in Inputs.Select(i => Path.Combine(Root, i)))
        {
            if (File.Exists(input))
            {
                files.Add(input);
            }
            else if (Directory.Exists(input))
            {
                AddFolder(input, files);
            }
        }

        return files.OrderBy(f => f, StringComparer.Ordinal);
    }

    private static void AddFolder(string folder, List<string> files)
    {
        files.AddRange(Directory.EnumerateFiles(folder));
        foreach (var child in Directory.EnumerateDirectories(folder))
        {
            var name = Path.GetFileName(child);
            if (!IgnoredFolders.Contains(name) && !name.StartsWith('.'))
            {
                AddFolder(child, files);
            }
        }
    }

    /// <summary>Runs the steps into <paramref name="outputDir"/>; throws with the failing step's output.</summary>
    public void Run(string outputDir)
    {
        Console.Error.WriteLine($"Building the {Name} from source (once per change; later synths reuse it)...");
        var started = Stopwatch.StartNew();
        foreach (var step in Steps.Where(s => !s.IsUpToDate(Root)))
        {
            RunStep(step, outputDir);
        }

        if (CopyFrom is not null)
        {
            CopyFolder(Path.Combine(Root, CopyFrom), outputDir);
        }

        Console.Error.WriteLine($"Built the {Name} in {started.Elapsed.TotalSeconds:0} s.");
    }

    private void RunStep(BuildStep step, string outputDir)
    {
        var start = new ProcessStartInfo(step.Program)
        {
            WorkingDirectory = Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in step.Arguments)
        {
            start.ArgumentList.Add(argument.Replace("{out}", outputDir, StringComparison.Ordinal));
        }

        // Keep the tools' first-run banners and telemetry out of a deploy.
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        using var process = Process.Start(start) ?? throw new SourceBuildException($"Could not start '{step.Program}' to build the {Name}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            var log = (output.Result + error.Result).Trim().Split('\n').TakeLast(30);
            throw new SourceBuildException(
                $"Building the {Name} failed: '{step}' exited with code {process.ExitCode}.{System.Environment.NewLine}{string.Join('\n', log)}");
        }
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    /// <summary>The CDK calls this instead of starting Docker (jsii calls back into .NET, hence the DeputyBase).</summary>
    private sealed class LocalBundler(SourceBuild build) : DeputyBase, ILocalBundling
    {
        public bool TryBundle(string outputDir, IBundlingOptions options)
        {
            build.Run(outputDir);
            return true;
        }
    }
}

/// <summary>A build during synth failed; the message holds the failing command and the end of its output.</summary>
public sealed class SourceBuildException(string message) : Exception(message);
