using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using ChatBot.Infra;
using ChatBot.TestKit.Bedrock;
using ChatBot.TestKit.LocalServers;
using ChatBot.TestKit.OpenAI;

namespace ChatBot.E2E.Tests.Rehearsal;

[CollectionDefinition(Name)]
public sealed class RehearsalCollection : ICollectionFixture<StackRehearsal>
{
    public const string Name = "Stack rehearsal";
}

/// <summary>
/// The stack rehearsal: the deployed system's parts run as the synthesized template wires them. Shared by every
/// rehearsal test: the published API package, one set of local peers (dynalite, a TLS redis-server, the Bedrock
/// endpoint, an OpenAI-compatible endpoint), and, started on first use, one rehearsed stack per synthesis.
/// </summary>
public sealed class StackRehearsal : IAsyncLifetime
{
    /// <summary>The syntheses the rehearsal runs, each with its context on top of cdk.json (whose defaults are the full profile and Bedrock).</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyDictionary<string, object>> Syntheses = new Dictionary<string, IReadOnlyDictionary<string, object>>
    {
        ["minimal"] = new Dictionary<string, object> { ["profile"] = "minimal" },
        ["full"] = new Dictionary<string, object>(),
        ["minimal llm=fargate"] = new Dictionary<string, object> { ["profile"] = "minimal", ["llm"] = "fargate" },
    };

    private readonly string _root = Directory.CreateTempSubdirectory("chatbot-rehearsal-").FullName;
    private readonly ConcurrentDictionary<string, Lazy<Task<RehearsedStack>>> _stacks = new();
    private readonly ConcurrentDictionary<string, Lazy<Task<FakeBedrockServer>>> _bedrock = new();

    public DynaliteFixture Dynalite { get; } = new();

    public RedisTlsServerFixture Redis { get; } = new();

    public FakeOpenAIServer OpenAI { get; private set; } = null!;

    /// <summary>The API as the stack packages it (<see cref="DeploymentSettings.ApiPublishCommand"/>), for this machine's runtime.</summary>
    public string ApiPackage { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var publish = Timed("publish the API package", PublishApiAsync);
        await Timed("start dynalite, redis-server and the OpenAI-compatible server", async () =>
        {
            await Dynalite.InitializeAsync();
            await Redis.InitializeAsync();
            OpenAI = await FakeOpenAIServer.StartAsync();
            return true;
        });
        ApiPackage = await publish;
    }

    /// <summary>Runs one phase and notes how long it took in TestResults/rehearsal/timings.txt, for the run's record.</summary>
    private static async Task<T> Timed<T>(string phase, Func<Task<T>> run)
    {
        var watch = Stopwatch.StartNew();
        var result = await run();
        lock (Syntheses)
        {
            File.AppendAllText(Path.Combine(RepoPaths.Artifacts("rehearsal"), "timings.txt"),
                $"{DateTimeOffset.UtcNow:u} {watch.Elapsed.TotalSeconds,6:0.0} s  {phase}{Environment.NewLine}");
        }

        return result;
    }

    /// <summary>The rehearsed stack of one synthesis (see <see cref="Syntheses"/>), started on first use.</summary>
    public Task<RehearsedStack> StackAsync(string synthesis) =>
        _stacks.GetOrAdd(synthesis, name => new Lazy<Task<RehearsedStack>>(() => StartStackAsync(name))).Value;

    /// <summary>The Bedrock endpoint of one region, which checks each call's SigV4 signature for that region.</summary>
    public Task<FakeBedrockServer> BedrockAsync(string region) =>
        _bedrock.GetOrAdd(region, r => new Lazy<Task<FakeBedrockServer>>(() => FakeBedrockServer.StartAsync(r))).Value;

    private async Task<RehearsedStack> StartStackAsync(string name)
    {
        var context = new Dictionary<string, object>(Syntheses[name]) { ["apiPackage"] = ApiPackage, ["webDist"] = RepoPaths.WebDist };
        var stack = await Timed($"synthesize {name}", () =>
            Task.FromResult(SynthesizedStack.Synthesize(name, context, Path.Combine(_root, "cdk.out." + name.Replace(' ', '-').Replace('=', '-')))));
        return await Timed($"start the {name} stack (table, identity, function, gateway, edge)", async () =>
        {
            await CreateTablesAsync(stack);
            return await RehearsedStack.StartAsync(stack, this);
        });
    }

    /// <summary>Each DynamoDB table as the template declares it (keys, indexes, billing), under its deployed name.</summary>
    private async Task CreateTablesAsync(SynthesizedStack stack)
    {
        using var client = new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"),
            new AmazonDynamoDBConfig { ServiceURL = Dynalite.ServiceUrl, AuthenticationRegion = "us-east-1" });
        foreach (var (logicalId, table) in stack.OfType("AWS::DynamoDB::Table"))
        {
            var p = table["Properties"]!;
            static List<KeySchemaElement> Keys(System.Text.Json.Nodes.JsonNode? keys) => [.. keys!.AsArray().Select(k =>
                new KeySchemaElement(k!["AttributeName"]!.GetValue<string>(), k["KeyType"]!.GetValue<string>()))];
            static Projection ProjectionOf(System.Text.Json.Nodes.JsonNode? projection) => new()
            {
                ProjectionType = projection!["ProjectionType"]!.GetValue<string>(),
                NonKeyAttributes = projection["NonKeyAttributes"]?.AsArray().Select(a => a!.GetValue<string>()).ToList(),
            };

            await client.CreateTableAsync(new CreateTableRequest
            {
                TableName = stack.Ref(logicalId),
                AttributeDefinitions = [.. p["AttributeDefinitions"]!.AsArray().Select(a =>
                    new AttributeDefinition(a!["AttributeName"]!.GetValue<string>(), a["AttributeType"]!.GetValue<string>()))],
                KeySchema = Keys(p["KeySchema"]),
                BillingMode = p["BillingMode"]?.GetValue<string>(),
                GlobalSecondaryIndexes = p["GlobalSecondaryIndexes"]?.AsArray().Select(i => new GlobalSecondaryIndex
                {
                    IndexName = i!["IndexName"]!.GetValue<string>(),
                    KeySchema = Keys(i["KeySchema"]),
                    Projection = ProjectionOf(i["Projection"]),
                }).ToList(),
                LocalSecondaryIndexes = p["LocalSecondaryIndexes"]?.AsArray().Select(i => new LocalSecondaryIndex
                {
                    IndexName = i!["IndexName"]!.GetValue<string>(),
                    KeySchema = Keys(i["KeySchema"]),
                    Projection = ProjectionOf(i["Projection"]),
                }).ToList(),
            });
        }
    }

    /// <summary>
    /// The stack's publish command with this machine's runtime identifier instead of linux-arm64, into a folder under
    /// artifacts/. A package newer than every source and build setting is used as it is: publishing again would
    /// produce the same files, and takes minutes on a busy 2-core machine.
    /// </summary>
    private static async Task<string> PublishApiAsync()
    {
        var output = Path.Combine(RepoPaths.Root, "artifacts", "rehearsal", "api");
        var stamp = new FileInfo(output + ".published");
        if (stamp.Exists && stamp.LastWriteTimeUtc > NewestApiInput())
        {
            return output;
        }

        var arguments = DeploymentSettings.ApiPublishCommand.Split(' ').Skip(1)
            .Select(a => a == "linux-arm64" ? RuntimeInformation.RuntimeIdentifier : a == "artifacts/api" ? output : a)
            .Concat(["--nologo", "-v", "quiet"]);
        var start = new ProcessStartInfo("dotnet", arguments)
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet {string.Join(' ', start.ArgumentList)} failed:{Environment.NewLine}{await stdout}{await stderr}");
        }

        await File.WriteAllTextAsync(stamp.FullName, string.Join(' ', start.ArgumentList));
        return output;
    }

    /// <summary>When the API's sources or the repository's build settings last changed.</summary>
    private static DateTime NewestApiInput()
    {
        var sources = Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "src"), "*", SearchOption.AllDirectories)
            .Where(path => !path.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"));
        var settings = new[] { "Directory.Build.props", "Directory.Packages.props", "global.json", "nuget.config", "NuGet.config" }
            .Select(name => Path.Combine(RepoPaths.Root, name));
        return sources.Concat(settings).Where(File.Exists).Select(File.GetLastWriteTimeUtc).DefaultIfEmpty(DateTime.MaxValue).Max();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var stack in _stacks.Values.Where(s => s.IsValueCreated && s.Value.IsCompletedSuccessfully))
        {
            await stack.Value.Result.DisposeAsync();
        }

        foreach (var bedrock in _bedrock.Values.Where(s => s.IsValueCreated && s.Value.IsCompletedSuccessfully))
        {
            await bedrock.Value.Result.DisposeAsync();
        }

        if (OpenAI is not null)
        {
            await OpenAI.DisposeAsync();
        }

        await Redis.DisposeAsync();
        await Dynalite.DisposeAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}
