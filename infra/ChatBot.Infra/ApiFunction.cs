using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.CustomResources;
using Constructs;

namespace ChatBot.Infra;

public sealed class ApiFunctionProps
{
    /// <summary>The <c>dotnet publish</c> output for linux-arm64, framework-dependent and ReadyToRun (see <see cref="SourceBuild.ApiCode"/>).</summary>
    public required Code Package { get; init; }
    public required ITable Table { get; init; }

    /// <summary>Which model backend the app uses: its <c>Llm__*</c> settings, and what the role may call or read.</summary>
    public required ApiModelBackend Model { get; init; }

    /// <summary>A StackExchange.Redis configuration string, or null to use the in-process cache.</summary>
    public string? RedisConfiguration { get; init; }

    /// <summary>The VPC placement (full profile), or null to run outside any VPC (minimal profile).</summary>
    public Network? Network { get; init; }

    public required int? ReservedConcurrency { get; init; }

    /// <summary>SnapStart on published versions, invoked through <see cref="ApiFunction.LiveAliasName"/> (see <see cref="ApiFunction.Invoked"/>).</summary>
    public bool SnapStart { get; init; }
    public required RetentionDays LogRetention { get; init; }
    public required RemovalPolicy LogRemovalPolicy { get; init; }
}

/// <summary>
/// The ASP.NET Core API on the managed dotnet10 runtime, run unchanged behind the AWS Lambda Web Adapter (LWA) layer.
/// <para>
/// How it starts: Lambda runs <c>AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap</c> (from the layer), which execs
/// <c>$LAMBDA_TASK_ROOT/$_HANDLER</c>. The handler is therefore the apphost executable <c>ChatBot.Api</c> that
/// <c>dotnet publish -r linux-arm64</c> writes with its execute bit; it finds the runtime through the
/// <c>DOTNET_ROOT=/var/lang/bin</c> that the managed runtime sets. No <c>run.sh</c> is needed, which saves a shell
/// process on every cold start. (Publishing from Windows loses the execute bit: publish on Linux, as CI does.)
/// The adapter waits until <c>GET /api/health</c> answers, then forwards each invocation to Kestrel on 127.0.0.1:8080
/// and streams the response back (<c>AWS_LWA_INVOKE_MODE=response_stream</c>).
/// </para>
/// </summary>
public sealed class ApiFunction : Construct
{
    /// <summary>LWA 0.9.1. Pinned: a new layer version is a deliberate upgrade, tested before it ships.</summary>
    public const int WebAdapterLayerVersion = 26;
    public const string WebAdapterLayerAccount = "753240598075";
    public const int AppPort = 8080;
    public const string HealthPath = "/api/health";

    /// <summary>With SnapStart, API Gateway invokes this alias of the newest published version.</summary>
    public const string LiveAliasName = "live";

    /// <summary>
    /// Memory sets CPU: 1769 MB is one full vCPU. 1024 MB (~0.6 vCPU) keeps the JIT-heavy .NET cold start short
    /// (ReadyToRun removes most of it) while a turn, which mostly waits on the model stream, bills little.
    /// </summary>
    public const int MemorySizeMb = 1024;

    /// <summary>Longest answer we let a turn stream; REST API streaming allows up to 15 minutes.</summary>
    public static readonly Duration AnswerTimeout = Duration.Minutes(5);

    /// <summary>
    /// Length of the generated cursor key. 44 characters from [A-Za-z0-9] are valid unpadded base64 for 33 bytes, above
    /// the 32 the store requires (<c>Storage:DynamoDb:CursorKey</c>), and carry about 262 bits of randomness.
    /// </summary>
    public const int CursorKeyLength = 44;

    public ApiFunction(Construct scope, string id, ApiFunctionProps props) : base(scope, id)
    {
        var stack = Stack.Of(this);

        LogGroup = new LogGroup(this, "Logs", new LogGroupProps
        {
            Retention = props.LogRetention,
            RemovalPolicy = props.LogRemovalPolicy,
        });

        // List cursors are signed with a key every instance shares, drawn once at deploy time.
        CursorKey = GenerateCursorKey();

        var environment = new Dictionary<string, string>
        {
            // Lambda Web Adapter: run the web app, wait for its health endpoint, stream responses.
            ["AWS_LAMBDA_EXEC_WRAPPER"] = "/opt/bootstrap",
            ["AWS_LWA_INVOKE_MODE"] = "response_stream",
            ["AWS_LWA_PORT"] = AppPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AWS_LWA_READINESS_CHECK_PATH"] = HealthPath,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{AppPort}",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            // ChatBot configuration (section__key is how .NET reads nested keys from the environment).
            ["Auth__Mode"] = "ApiGateway",
            ["Storage__Provider"] = "DynamoDb",
            ["Storage__DynamoDb__TableName"] = props.Table.TableName,
            ["Storage__DynamoDb__CursorKey"] = DeployTimeSecret.Value(CursorKey),
            // Telemetry: metrics as embedded metric format lines in this log group, and JSON log lines with the trace id.
            ["Telemetry__Emf"] = "true",
            ["Logging__Console__FormatterName"] = "json",
            ["Logging__Console__FormatterOptions__IncludeScopes"] = "true",
        };
        foreach (var (key, value) in props.Model.Environment)
        {
            environment[key] = value;
        }

        if (props.RedisConfiguration is null)
        {
            environment["Cache__Provider"] = "Memory";
        }
        else
        {
            environment["Cache__Provider"] = "Redis";
            environment["Cache__Redis__Configuration"] = props.RedisConfiguration;
            if (props.SnapStart)
            {
                // The init ends in the snapshot: a connection opened then would be dead after every restore.
                environment["Cache__Redis__ConnectAtStartup"] = "false";
            }
        }

        Function = new Function(this, "Function", new FunctionProps
        {
            Description = "ChatBot API (ASP.NET Core behind the Lambda Web Adapter)",
            // Escape hatch: CDK 2.160 has no Runtime.DOTNET_10. After upgrading, use Runtime.DOTNET_10.
            Runtime = new Runtime("dotnet10", RuntimeFamily.DOTNET_CORE, new LambdaRuntimeProps { SupportsSnapStart = true }),
            // The snapshot is taken once the Web Adapter's readiness check has passed; the app opens no connection
            // before its first request, so none is frozen into it (docs/architecture.md, "Cold start and SnapStart").
            SnapStart = props.SnapStart ? SnapStartConf.ON_PUBLISHED_VERSIONS : null,
            // Each version's snapshot is billed while the version exists: the one a deploy replaces is deleted.
            CurrentVersionOptions = props.SnapStart ? new VersionOptions { RemovalPolicy = RemovalPolicy.DESTROY } : null,
            // Graviton: about 20% cheaper per GB-second than x86_64 and as fast for ASP.NET; LWA ships an arm64 layer.
            Architecture = Architecture.ARM_64,
            Handler = DeploymentSettings.ApiExecutableName,
            Code = props.Package,
            Layers =
            [
                LayerVersion.FromLayerVersionArn(this, "WebAdapter",
                    $"arn:{stack.Partition}:lambda:{stack.Region}:{WebAdapterLayerAccount}:layer:LambdaAdapterLayerArm64:{WebAdapterLayerVersion}"),
            ],
            MemorySize = props.Model.MemorySizeMb ?? MemorySizeMb,
            EphemeralStorageSize = props.Model.EphemeralStorageMb is { } storage ? Size.Mebibytes(storage) : null,
            Timeout = AnswerTimeout,
            Environment = environment,
            ReservedConcurrentExecutions = props.ReservedConcurrency,
            LogGroup = LogGroup,
            LoggingFormat = LoggingFormat.JSON,
            // X-Ray traces of each invocation, joined to API Gateway's; the role gets X-Ray's write-only actions.
            Tracing = Tracing.ACTIVE,
            Vpc = props.Network?.Vpc,
            VpcSubnets = props.Network?.Subnets,
            SecurityGroups = props.Network is null ? null : [props.Network.FunctionSecurityGroup],
        });

        // SnapStart applies to published versions only: each deploy publishes one and moves the alias to it.
        Invoked = props.SnapStart
            ? new Alias(this, "Live", new AliasProps { AliasName = LiveAliasName, Version = Function.CurrentVersion })
            : Function;

        // DynamoDB: the operations the store calls, on this table and its indexes, nothing else.
        props.Table.Grant(Function, ConversationTable.DataActions);

        // Bedrock: invoke exactly the offered models (and, for an inference profile, where it routes), nothing else.
        if (props.Model.Bedrock is { Count: > 0 } bedrock)
        {
            Function.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
            {
                Sid = "InvokeConfiguredModels",
                Actions = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
                Resources = bedrock.SelectMany(model => model.ResourceArns(stack.Account)).Distinct(StringComparer.Ordinal).ToArray(),
            }));
        }

        // In-Lambda model: read the one model object (ranged GETs need only s3:GetObject), no listing, no other key.
        if (props.Model.ModelObjectArn is { } modelObject)
        {
            Function.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
            {
                Sid = "ReadTheModelObject",
                Actions = ["s3:GetObject"],
                Resources = [modelObject],
            }));
        }

        const string managed = "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/";
        Nag.Suppress(Function.Role!, props.Network is null
            ? new NagRule("AwsSolutions-IAM4",
                "AWSLambdaBasicExecutionRole only lets the function write its own logs; it is the AWS-maintained minimum.",
                managed + "AWSLambdaBasicExecutionRole")
            : new NagRule("AwsSolutions-IAM4",
                "AWSLambdaBasicExecutionRole (write own logs) and AWSLambdaVPCAccessExecutionRole (manage the function's ENIs, " +
                "which allows no resource-level scoping) are the AWS-maintained minimum for a function in a VPC.",
                managed + "AWSLambdaBasicExecutionRole", managed + "AWSLambdaVPCAccessExecutionRole"));
        Nag.Suppress(Function.Role!.Node.FindChild("DefaultPolicy"),
            new NagRule(
                "AwsSolutions-IAM5",
                "The grant covers this table's own indexes (LSI1, GSI1) for Query; index ARNs are table/<name>/index/<index>.",
                "Resource::<" + stack.GetLogicalId((CfnElement)props.Table.Node.DefaultChild!) + ".Arn>/index/*"),
            new NagRule(
                "AwsSolutions-IAM5",
                "Active tracing adds xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions.",
                "Resource::*"));
        Nag.Suppress(Function, new NagRule("Serverless-LambdaDLQ",
            "API Gateway invokes the function synchronously and gets every failure as the response; a dead-letter queue only " +
            "receives failed asynchronous invocations, and there are none."));
    }

    public Function Function { get; }

    /// <summary>What API Gateway invokes: the live alias with SnapStart, else the function itself ($LATEST).</summary>
    public IFunction Invoked { get; }

    public LogGroup LogGroup { get; }

    /// <summary>The deploy-time generator of the list-cursor signing key (see <see cref="GenerateCursorKey"/>).</summary>
    public AwsCustomResource CursorKey { get; }

    /// <summary>
    /// The key that signs list cursors, which every instance must share. It is drawn once, at deploy time
    /// (<see cref="DeployTimeSecret"/>), and reaches the function through its environment (encrypted at rest by Lambda): the function makes no call
    /// at startup, so the full profile needs no Secrets Manager endpoint (~$15/month) and the minimal profile pays nothing
    /// while idle, where a stored secret would add $0.40/month. The cursor only guards against tampering with a page
    /// position; every read is scoped to the caller's own keys whatever the cursor says, so this key does not warrant a
    /// stored, rotated secret.
    /// <para>
    /// Cursors live only in an open page, so a redraw costs a "load more" issued before it a 400, until the page lists
    /// again from the top.
    /// </para>
    /// </summary>
    private AwsCustomResource GenerateCursorKey() => DeployTimeSecret.Draw(this, "CursorKey", "Custom::CursorKey", "cursor-key", CursorKeyLength);
}

/// <summary>
/// How the API reaches its model: the <c>Llm__*</c> environment the app reads, and the one grant it needs.
/// Built by <see cref="ChatBotStack"/> from the <c>llm</c> context value.
/// </summary>
public sealed record ApiModelBackend
{
    public required IReadOnlyDictionary<string, string> Environment { get; init; }

    /// <summary>llm=bedrock: the models the role may invoke, the default first.</summary>
    public IReadOnlyList<BedrockModelAccess>? Bedrock { get; init; }

    /// <summary>llm=lambda: the S3 object the role may read.</summary>
    public string? ModelObjectArn { get; init; }

    /// <summary>Null keeps <see cref="ApiFunction.MemorySizeMb"/>; the in-Lambda model needs more (its vCPUs run it).</summary>
    public int? MemorySizeMb { get; init; }

    /// <summary>Null keeps Lambda's 512 MB /tmp; the in-Lambda model is copied there.</summary>
    public int? EphemeralStorageMb { get; init; }

    /// <summary>The first model is the default (<c>Llm:ModelId</c>); all of them are offered (<c>Llm:Models</c>).</summary>
    public static ApiModelBackend ForBedrock(IReadOnlyList<BedrockModelAccess> models, string region)
    {
        var environment = new Dictionary<string, string>
        {
            ["Llm__Provider"] = "Bedrock",
            ["Llm__Bedrock__ModelId"] = models[0].ModelId,
            ["Llm__Bedrock__Region"] = region,
        };
        for (var i = 0; i < models.Count; i++)
        {
            environment[$"Llm__Bedrock__Models__{i}"] = models[i].ModelId;
        }

        return new() { Environment = environment, Bedrock = models };
    }

    /// <summary>llm=fargate: llama-server's OpenAI-compatible API, inside the VPC.</summary>
    public static ApiModelBackend ForLlamaServer(LlamaServer server, SelfHostedModel model) => new()
    {
        Environment = new Dictionary<string, string>
        {
            ["Llm__Provider"] = "OpenAI",
            ["Llm__OpenAI__Endpoint"] = server.Endpoint,
            ["Llm__OpenAI__ModelId"] = model.Name,
        },
    };

    /// <summary>llm=lambda: LLamaSharp in the function, which copies the model from S3 to /tmp on a cold start.</summary>
    public static ApiModelBackend ForInLambdaModel(ModelStore store, int memorySizeMb, int ephemeralStorageMb) => new()
    {
        Environment = new Dictionary<string, string>
        {
            ["Llm__Provider"] = "LlamaSharp",
            ["Llm__LlamaSharp__ModelS3Uri"] = store.Location.Uri,
            ["Llm__LlamaSharp__ModelPath"] = ModelPath,
        },
        ModelObjectArn = store.ObjectArn,
        MemorySizeMb = memorySizeMb,
        EphemeralStorageMb = ephemeralStorageMb,
    };

    /// <summary>Where the app keeps the model on a warm instance: /tmp is the only writable disk on Lambda.</summary>
    public const string ModelPath = "/tmp/model.gguf";
}
