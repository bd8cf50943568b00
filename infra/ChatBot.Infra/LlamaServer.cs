using System.Globalization;
using Amazon.CDK;
using Amazon.CDK.AWS.ApplicationAutoScaling;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.ServiceDiscovery;
using Constructs;

namespace ChatBot.Infra;

public sealed class LlamaServerProps
{
    public required Network Network { get; init; }
    public required SelfHostedModel Model { get; init; }

    /// <summary>The private DNS namespace, such as <c>chatbot.internal</c>.</summary>
    public required string NamespaceName { get; init; }
    public required int MinTasks { get; init; }
    public required int MaxTasks { get; init; }
    public required TaskArchitecture Architecture { get; init; }
    public required RetentionDays LogRetention { get; init; }
    public required RemovalPolicy LogRemovalPolicy { get; init; }
}

/// <summary>
/// llm=fargate: llama.cpp's OpenAI-compatible <c>llama-server</c> (the official CPU image) on ECS Fargate.
/// <para>
/// Each task runs in a public subnet with a public IP, so it can pull the image from ghcr.io and the model from its URL
/// without a NAT gateway; its security group admits only the API function, on 8080, and lets out only HTTPS. The API
/// finds the tasks through Cloud Map (<c>llm.&lt;namespace&gt;</c>, A records), which lists a task only once its container
/// health check passes, that is once the model is loaded. Why public IPs and Cloud Map rather than endpoints and an
/// internal load balancer: docs/decisions/0003-self-hosted-llm-on-aws.md.
/// </para>
/// </summary>
public sealed class LlamaServer : Construct
{
    public const int Port = 8080;
    public const string Image = "ghcr.io/ggml-org/llama.cpp:server";
    public const string ServiceName = "llm";

    /// <summary>2 vCPU and 4 GB (the smallest memory Fargate allows with 2 vCPU): room for a model of a few GB.</summary>
    public const int Cpu = 2048;
    public const int MemoryMb = 4096;

    /// <summary>
    /// Requests decoded at once. Continuous batching shares the two vCPUs between them; <see cref="ContextSize"/> is
    /// split evenly, so each conversation gets 4,096 tokens, the same window the in-Lambda option uses.
    /// </summary>
    public const int ParallelSlots = 2;
    public const int ContextSize = 8192;

    /// <summary>
    /// The health check does not count failures for this long after start: the model download and load happen here.
    /// 300 s is the ECS maximum; a task that loads sooner is healthy sooner.
    /// </summary>
    public static readonly Duration StartPeriod = Duration.Seconds(300);

    /// <summary>Scale out when the tasks' average CPU passes this. A task decoding one answer already uses most of its CPU.</summary>
    public const int TargetCpuPercent = 60;

    public LlamaServer(Construct scope, string id, LlamaServerProps props) : base(scope, id)
    {
        var network = props.Network;
        SecurityGroup = new SecurityGroup(this, "Sg", new SecurityGroupProps
        {
            Vpc = network.Vpc,
            Description = "ChatBot llama-server: ingress from the API function on 8080 only; egress HTTPS for the image and model",
            AllowAllOutbound = false,
        });
        network.FunctionSecurityGroup.Connections.AllowTo(SecurityGroup, Amazon.CDK.AWS.EC2.Port.Tcp(Port), "API function to llama-server");
        // ghcr.io, the model host and CloudWatch Logs are all HTTPS; DNS goes to the VPC resolver, which no rule governs.
        SecurityGroup.AddEgressRule(Peer.AnyIpv4(), Amazon.CDK.AWS.EC2.Port.Tcp(Network.HttpsPort), "Image, model download and logs over HTTPS");

        Namespace = new PrivateDnsNamespace(this, "Namespace", new PrivateDnsNamespaceProps
        {
            Name = props.NamespaceName,
            Vpc = network.Vpc,
            Description = "ChatBot private service discovery",
        });

        Cluster = new Cluster(this, "Cluster", new ClusterProps { Vpc = network.Vpc });
        Nag.Suppress(Cluster, new NagRule("AwsSolutions-ECS4",
            "Scaling uses the standard ECS CPU metric; Container Insights would add per-task custom metrics at extra cost. " +
            "Turn it on if you need per-container dashboards."));

        var logs = new LogGroup(this, "Logs", new LogGroupProps { Retention = props.LogRetention, RemovalPolicy = props.LogRemovalPolicy });

        TaskDefinition = new FargateTaskDefinition(this, "Task", new FargateTaskDefinitionProps
        {
            Cpu = Cpu,
            MemoryLimitMiB = MemoryMb,
            RuntimePlatform = new RuntimePlatform
            {
                OperatingSystemFamily = OperatingSystemFamily.LINUX,
                // Graviton is about 20% cheaper per vCPU-hour; the image's arm64 build picks NEON/dot-product kernels at
                // run time. x86_64 is the fallback if an image tag lacks an arm64 build.
                CpuArchitecture = props.Architecture == TaskArchitecture.Arm64 ? CpuArchitecture.ARM64 : CpuArchitecture.X86_64,
            },
        });

        TaskDefinition.AddContainer("llama-server", new ContainerDefinitionOptions
        {
            Image = ContainerImage.FromRegistry(Image),
            // Settings travel as arguments, not environment variables: nothing here is secret, and it reads like the docs.
            Command = ServerArguments(props.Model),
            PortMappings = [new PortMapping { ContainerPort = Port, Protocol = Amazon.CDK.AWS.ECS.Protocol.TCP }],
            Logging = LogDriver.AwsLogs(new AwsLogDriverProps { LogGroup = logs, StreamPrefix = "llama-server" }),
            // /health answers 503 while the model loads and 200 once it can serve; curl ships in the image.
            HealthCheck = new Amazon.CDK.AWS.ECS.HealthCheck
            {
                Command = ["CMD", "curl", "-f", $"http://localhost:{Port}/health"],
                Interval = Duration.Seconds(30),
                Timeout = Duration.Seconds(5),
                Retries = 3,
                StartPeriod = StartPeriod,
            },
            Essential = true,
        });

        Service = new FargateService(this, "Service", new FargateServiceProps
        {
            Cluster = Cluster,
            TaskDefinition = TaskDefinition,
            DesiredCount = props.MinTasks,
            AssignPublicIp = true,
            VpcSubnets = network.PublicSubnetSelection,
            SecurityGroups = [SecurityGroup],
            // Keep serving while a deployment replaces tasks; roll back a version that never gets healthy.
            MinHealthyPercent = 100,
            MaxHealthyPercent = 200,
            CircuitBreaker = new DeploymentCircuitBreaker { Rollback = true },
            CloudMapOptions = new CloudMapOptions
            {
                CloudMapNamespace = Namespace,
                Name = ServiceName,
                DnsRecordType = DnsRecordType.A,
                // Short, so a task that stops leaves the API's resolver within seconds.
                DnsTtl = Duration.Seconds(10),
            },
        });

        var scaling = Service.AutoScaleTaskCount(new EnableScalingProps { MinCapacity = props.MinTasks, MaxCapacity = props.MaxTasks });
        scaling.ScaleOnCpuUtilization("Cpu", new CpuUtilizationScalingProps
        {
            TargetUtilizationPercent = TargetCpuPercent,
            // Out fast (a new task needs minutes to load its model), in slowly (so a pause between messages keeps it).
            ScaleOutCooldown = Duration.Seconds(60),
            ScaleInCooldown = Duration.Minutes(10),
        });

        Endpoint = $"http://{ServiceName}.{props.NamespaceName}:{Port}/v1";
    }

    public SecurityGroup SecurityGroup { get; }
    public PrivateDnsNamespace Namespace { get; }
    public Cluster Cluster { get; }
    public FargateTaskDefinition TaskDefinition { get; }
    public FargateService Service { get; }

    /// <summary>The OpenAI-compatible base URL the API calls (<c>Llm:OpenAI:Endpoint</c>).</summary>
    public string Endpoint { get; }

    /// <summary>
    /// llama-server's command line. A Hugging Face model is named by repository and file (<c>--hf-repo/--hf-file</c>),
    /// any other URL is fetched with <c>--model-url</c>; either way the download happens before the server listens.
    /// </summary>
    public static string[] ServerArguments(SelfHostedModel model)
    {
        var source = model.HuggingFaceRepo is { } repo && model.HuggingFacePath is { } path
            ? new[] { "--hf-repo", repo, "--hf-file", path }
            : ["--model-url", model.Url];
        return
        [
            .. source,
            "--alias", model.Name,
            "--host", "0.0.0.0",
            "--port", Port.ToString(CultureInfo.InvariantCulture),
            "--ctx-size", ContextSize.ToString(CultureInfo.InvariantCulture),
            "--parallel", ParallelSlots.ToString(CultureInfo.InvariantCulture),
            "--threads", (Cpu / 1024).ToString(CultureInfo.InvariantCulture),
        ];
    }
}
