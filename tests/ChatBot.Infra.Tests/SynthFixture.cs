using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using ChatBot.Infra;

[assembly: AssemblyFixture(typeof(ChatBot.Infra.Tests.SynthFixture))]

// jsii talks to one Node process over a pipe; keep every test on one thread.
[assembly: Xunit.v3.Parallelization(Mode = Xunit.Sdk.ParallelMode.None)]

namespace ChatBot.Infra.Tests;

/// <summary>One synthesized profile: the stack, its CDK assertion template, and the raw template JSON.</summary>
public sealed class Synthesis
{
    public required ChatBotStack Stack { get; init; }
    public required Template Template { get; init; }
    public required JsonObject Json { get; init; }
    public required string OutDir { get; init; }

    public JsonObject Resources => Json[nameof(Resources)]!.AsObject();

    /// <summary>Every resource of a CloudFormation type, by logical id.</summary>
    public IReadOnlyDictionary<string, JsonObject> OfType(string type) => Resources
        .Where(r => r.Value!["Type"]!.GetValue<string>() == type)
        .ToDictionary(r => r.Key, r => r.Value!.AsObject());

    /// <summary>The one resource of a type (fails if there are several).</summary>
    public JsonObject One(string type) => Assert.Single(OfType(type)).Value;

    public JsonObject Properties(string type) => One(type)["Properties"]!.AsObject();
}

/// <summary>
/// Synthesizes each profile × llm combination once for the whole test run (jsii starts Node, so synth takes seconds):
/// <c>full</c> with the defaults from cdk.json, and <c>minimal</c> with <c>destroy=true</c>, deployed to us-east-1
/// with a cross-Region inference profile, so the two synths also cover the other removal policy and Bedrock shape.
/// The self-hosted ones vary the same way: full with every default, minimal with the non-default choices (a plain
/// model URL, x86_64 and 2-5 tasks for Fargate; a model the user uploaded for Lambda).
/// The API package and the frontend are tiny placeholders in a temp folder, passed through context.
/// </summary>
public sealed class SynthFixture : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "chatbot-infra-tests-" + Guid.NewGuid().ToString("N"));

    public SynthFixture()
    {
        Environment.SetEnvironmentVariable("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20");
        ApiPackage = Directory.CreateDirectory(Path.Combine(_root, "api")).FullName;
        File.WriteAllText(Path.Combine(ApiPackage, DeploymentSettings.ApiExecutableName), "#!/bin/sh\n");
        WebDist = Directory.CreateDirectory(Path.Combine(_root, "web")).FullName;
        File.WriteAllText(Path.Combine(WebDist, "index.html"), "<!doctype html><title>ChatBot</title>");

        Full = Synthesize("full", new Dictionary<string, object>());
        Minimal = Synthesize("minimal", new Dictionary<string, object>
        {
            ["profile"] = "minimal",
            ["destroy"] = "true",
            ["region"] = MinimalRegion,
            // Two models to choose from, the first the default: an inference profile and a plain model id.
            ["models"] = $"{MinimalModelId},{MinimalSecondModelId}",
            ["alarmEmail"] = MinimalAlarmEmail,
            ["dailyTokenBudget"] = MinimalDailyTokenBudget.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        FullFargate = Synthesize("full-fargate", new Dictionary<string, object> { ["llm"] = "fargate" });
        MinimalFargate = Synthesize("minimal-fargate", new Dictionary<string, object>
        {
            ["profile"] = "minimal",
            ["llm"] = "fargate",
            ["model"] = MinimalFargateModelUrl,
            ["fargateMinTasks"] = "2",
            ["fargateMaxTasks"] = "5",
            ["fargateArchitecture"] = "x86_64",
        });
        FullLambda = Synthesize("full-lambda", new Dictionary<string, object> { ["llm"] = "lambda" });
        MinimalLambda = Synthesize("minimal-lambda", new Dictionary<string, object>
        {
            ["profile"] = "minimal",
            ["llm"] = "lambda",
            ["modelS3Uri"] = MinimalLambdaModelS3Uri,
            ["lambdaMemoryMb"] = "10240",
            ["lambdaStorageMb"] = "2048",
        });
        MinimalWaf = Synthesize("minimal-waf", new Dictionary<string, object> { ["profile"] = "minimal", ["waf"] = "true" });
    }

    public const string MinimalFargateModelUrl = "https://models.example.com/gguf/tiny-chat-q8_0.gguf";
    public const string MinimalLambdaModelS3Uri = "s3://my-models/qwen/model.gguf";

    public const string MinimalAlarmEmail = "ops@example.com";
    public const int MinimalDailyTokenBudget = 2_000_000;

    public const string MinimalRegion = "us-east-1";
    public const string MinimalModelId = "us.meta.llama3-3-70b-instruct-v1:0";

    public const string MinimalSecondModelId = "openai.gpt-oss-120b-1:0";

    public string ApiPackage { get; }
    public string WebDist { get; }
    public Synthesis Full { get; }
    public Synthesis Minimal { get; }
    public IEnumerable<Synthesis> Both => [Full, Minimal];
    public Synthesis FullFargate { get; }
    public Synthesis MinimalFargate { get; }
    public Synthesis FullLambda { get; }
    public Synthesis MinimalLambda { get; }
    public IEnumerable<Synthesis> Fargate => [FullFargate, MinimalFargate];
    public IEnumerable<Synthesis> Lambda => [FullLambda, MinimalLambda];

    /// <summary>minimal with waf=true: a second stack, in us-east-1, holds the web ACL.</summary>
    public Synthesis MinimalWaf { get; }

    /// <summary>Every combination, Bedrock first.</summary>
    public IEnumerable<Synthesis> All => [Full, Minimal, FullFargate, MinimalFargate, FullLambda, MinimalLambda, MinimalWaf];

    /// <summary>Context every synth needs: the placeholder folders, plus the test's own overrides.</summary>
    public Dictionary<string, object> Context(IDictionary<string, object>? overrides = null)
    {
        var context = new Dictionary<string, object> { ["apiPackage"] = ApiPackage, ["webDist"] = WebDist };
        foreach (var (key, value) in overrides ?? new Dictionary<string, object>())
        {
            context[key] = value;
        }

        return context;
    }

    private Synthesis Synthesize(string name, Dictionary<string, object> overrides)
    {
        var outDir = Path.Combine(_root, "cdk.out." + name);
        var (app, stack) = ChatBotApp.Create(Context(overrides), outDir);
        app.Synth();
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, stack.TemplateFile)))!.AsObject();
        return new Synthesis { Stack = stack, Template = Template.FromStack(stack), Json = json, OutDir = outDir };
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
