using System.Text.Json.Nodes;

namespace ChatBot.Infra.Tests;

/// <summary>`llm=fargate`: llama-server on ECS Fargate, reached by the API function only, through Cloud Map.</summary>
public sealed class FargateLlmTests(SynthFixture fixture)
{
    [Fact]
    public void Network_HasNoNatGateway_TasksUsePublicIpsInPublicSubnets_TheFunctionStaysIsolated()
    {
        foreach (var synthesis in fixture.Fargate)
        {
            synthesis.Template.ResourceCountIs("AWS::EC2::NatGateway", 0);
            synthesis.Template.ResourceCountIs("AWS::EC2::EIP", 0);
            synthesis.Template.ResourceCountIs("AWS::EC2::InternetGateway", 1);

            var network = Service(synthesis)["NetworkConfiguration"]!["AwsvpcConfiguration"]!;
            Assert.Equal("ENABLED", network["AssignPublicIp"]!.GetValue<string>());
            Assert.All(Cfn.RenderList(network["Subnets"]), s => Assert.Contains("publicSubnet", s, StringComparison.Ordinal));
            Assert.Equal(2, network["Subnets"]!.AsArray().Count);

            var function = Function(synthesis)["VpcConfig"]!;
            Assert.All(Cfn.RenderList(function["SubnetIds"]), s => Assert.Contains("isolatedSubnet", s, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void SecurityGroupRules_Full_AreExactlyTheFunctionToLlamaServerOn8080_AndTheTasksOutOnHttps()
    {
        var s = fixture.FullFargate;
        var network = s.Stack.Network!;
        var function = Group(s, network.FunctionSecurityGroup);
        var llm = Group(s, s.Stack.LlamaServer!.SecurityGroup);
        var cache = Group(s, network.CacheSecurityGroup!);
        var dynamo = "${" + Cfn.LogicalId(s.Stack, network.Node.FindChild("DynamoDbPrefixList")) + ".PrefixLists.0.PrefixListId}";

        Assert.Equal(new[]
        {
            $"{function} -> tcp 443 -> prefix-list {dynamo}",
            $"{function} -> tcp 6379 -> sg {cache}",
            $"{function} -> tcp 8080 -> sg {llm}",
        }.Order(), Rules(s, "AWS::EC2::SecurityGroupEgress"));
        Assert.Equal(new[]
        {
            $"{cache} <- tcp 6379 <- sg {function}",
            $"{llm} <- tcp 8080 <- sg {function}",
        }.Order(), Rules(s, "AWS::EC2::SecurityGroupIngress"));

        // The tasks' group: no inline ingress at all, and its only egress is HTTPS (image, model, logs).
        var llmGroup = s.Resources[Cfn.LogicalId(s.Stack, s.Stack.LlamaServer.SecurityGroup)]!["Properties"]!;
        Assert.Null(llmGroup["SecurityGroupIngress"]);
        var egress = Assert.Single(llmGroup["SecurityGroupEgress"]!.AsArray())!;
        Assert.Equal("0.0.0.0/0", egress["CidrIp"]!.GetValue<string>());
        Assert.Equal("tcp", egress["IpProtocol"]!.GetValue<string>());
        Assert.Equal(443, egress["FromPort"]!.GetValue<int>());
        Assert.Equal(443, egress["ToPort"]!.GetValue<int>());
    }

    [Fact]
    public void SecurityGroupRules_Minimal_AreExactlyDynamoDbAndLlamaServer_WithNoCache()
    {
        var s = fixture.MinimalFargate;
        var network = s.Stack.Network!;
        var function = Group(s, network.FunctionSecurityGroup);
        var llm = Group(s, s.Stack.LlamaServer!.SecurityGroup);
        var dynamo = "${" + Cfn.LogicalId(s.Stack, network.Node.FindChild("DynamoDbPrefixList")) + ".PrefixLists.0.PrefixListId}";

        Assert.Null(network.CacheSecurityGroup);
        Assert.Equal(new[]
        {
            $"{function} -> tcp 443 -> prefix-list {dynamo}",
            $"{function} -> tcp 8080 -> sg {llm}",
        }.Order(), Rules(s, "AWS::EC2::SecurityGroupEgress"));
        Assert.Equal([$"{llm} <- tcp 8080 <- sg {function}"], Rules(s, "AWS::EC2::SecurityGroupIngress"));
        s.Template.ResourceCountIs("AWS::EC2::SecurityGroup", 2);
    }

    [Fact]
    public void SecurityGroups_NoGroupAdmitsAnythingButAnotherGroup_InEitherProfile()
    {
        foreach (var synthesis in fixture.Fargate)
        {
            var llm = Group(synthesis, synthesis.Stack.LlamaServer!.SecurityGroup);
            var function = Group(synthesis, synthesis.Stack.Network!.FunctionSecurityGroup);

            Assert.Contains($"{llm} <- tcp 8080 <- sg {function}", Rules(synthesis, "AWS::EC2::SecurityGroupIngress"));
            Assert.All(synthesis.OfType("AWS::EC2::SecurityGroup").Values, g => Assert.Null(g["Properties"]!["SecurityGroupIngress"]));
            Assert.All(synthesis.OfType("AWS::EC2::SecurityGroupIngress").Values, r => Assert.NotNull(r["Properties"]!["SourceSecurityGroupId"]));
        }
    }

    [Fact]
    public void NoBedrock_NoEndpointAndNoPermission()
    {
        foreach (var synthesis in fixture.Fargate)
        {
            synthesis.Template.ResourceCountIs("AWS::EC2::VPCEndpoint", 1);
            var actions = Cfn.StatementsForRole(synthesis, Cfn.LogicalId(synthesis.Stack, synthesis.Stack.ApiFunction.Function.Role!))
                .SelectMany(st => Cfn.RenderList(st["Action"])).ToList();
            Assert.All(actions.Where(a => !a.StartsWith("xray:", StringComparison.Ordinal)), a => Assert.StartsWith("dynamodb:", a, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Container_IsTheOfficialLlamaServerImage_WithHealthCheckAndStartPeriodForTheModelLoad()
    {
        foreach (var synthesis in fixture.Fargate)
        {
            var container = Container(synthesis);

            Assert.Equal("ghcr.io/ggml-org/llama.cpp:server", container["Image"]!.GetValue<string>());
            Assert.Equal(8080, container["PortMappings"]![0]!["ContainerPort"]!.GetValue<int>());
            var health = container["HealthCheck"]!;
            Assert.Equal(["CMD", "curl", "-f", "http://localhost:8080/health"], Cfn.RenderList(health["Command"]));
            Assert.Equal(300, health["StartPeriod"]!.GetValue<int>());
            Assert.Equal(30, health["Interval"]!.GetValue<int>());
            Assert.Equal(3, health["Retries"]!.GetValue<int>());
            // Nothing in environment variables or secrets: the settings are the command line.
            Assert.Null(container["Environment"]);
            Assert.Null(container["Secrets"]);
            Assert.Equal("awslogs", container["LogConfiguration"]!["LogDriver"]!.GetValue<string>());
        }
    }

    [Fact]
    public void Container_Full_DownloadsTheDefaultModelFromHuggingFace()
    {
        Assert.Equal(
            [
                "--hf-repo", "Qwen/Qwen2.5-0.5B-Instruct-GGUF", "--hf-file", "qwen2.5-0.5b-instruct-q4_k_m.gguf",
                "--alias", "qwen2.5-0.5b-instruct-q4_k_m", "--host", "0.0.0.0", "--port", "8080",
                "--ctx-size", "8192", "--parallel", "2", "--threads", "2",
            ],
            Cfn.RenderList(Container(fixture.FullFargate)["Command"]));
    }

    [Fact]
    public void Container_Minimal_DownloadsAnyUrlWithModelUrl()
    {
        var command = Cfn.RenderList(Container(fixture.MinimalFargate)["Command"]);

        Assert.Equal(["--model-url", SynthFixture.MinimalFargateModelUrl, "--alias", "tiny-chat-q8_0"], command.Take(4));
        Assert.DoesNotContain("--hf-repo", command);
    }

    [Fact]
    public void TaskSize_Is2VcpuAnd4Gb_OnArm64ByDefault_OrX86WhenAsked()
    {
        foreach (var (synthesis, architecture) in new[] { (fixture.FullFargate, "ARM64"), (fixture.MinimalFargate, "X86_64") })
        {
            var task = synthesis.Properties("AWS::ECS::TaskDefinition");
            Assert.Equal("2048", task["Cpu"]!.GetValue<string>());
            Assert.Equal("4096", task["Memory"]!.GetValue<string>());
            Assert.Equal(["FARGATE"], Cfn.RenderList(task["RequiresCompatibilities"]));
            Assert.Equal(architecture, task["RuntimePlatform"]!["CpuArchitecture"]!.GetValue<string>());
            Assert.Equal("LINUX", task["RuntimePlatform"]!["OperatingSystemFamily"]!.GetValue<string>());
        }
    }

    [Fact]
    public void Scaling_FollowsCpu_BetweenTheContextBounds()
    {
        foreach (var (synthesis, min, max) in new[] { (fixture.FullFargate, 1, 3), (fixture.MinimalFargate, 2, 5) })
        {
            var target = synthesis.Properties("AWS::ApplicationAutoScaling::ScalableTarget");
            Assert.Equal(min, target["MinCapacity"]!.GetValue<int>());
            Assert.Equal(max, target["MaxCapacity"]!.GetValue<int>());
            Assert.Equal("ecs:service:DesiredCount", target["ScalableDimension"]!.GetValue<string>());
            Assert.Equal(min, Service(synthesis)["DesiredCount"]!.GetValue<int>());

            var policy = synthesis.Properties("AWS::ApplicationAutoScaling::ScalingPolicy")["TargetTrackingScalingPolicyConfiguration"]!;
            Assert.Equal("ECSServiceAverageCPUUtilization", policy["PredefinedMetricSpecification"]!["PredefinedMetricType"]!.GetValue<string>());
            Assert.Equal(60, policy["TargetValue"]!.GetValue<int>());
            Assert.Equal(60, policy["ScaleOutCooldown"]!.GetValue<int>());
            Assert.Equal(600, policy["ScaleInCooldown"]!.GetValue<int>());
        }
    }

    [Fact]
    public void Deployment_KeepsServing_AndRollsBackATaskThatNeverGetsHealthy()
    {
        var deployment = Service(fixture.FullFargate)["DeploymentConfiguration"]!;

        Assert.Equal(100, deployment["MinimumHealthyPercent"]!.GetValue<int>());
        Assert.Equal(200, deployment["MaximumPercent"]!.GetValue<int>());
        Assert.True(deployment["DeploymentCircuitBreaker"]!["Enable"]!.GetValue<bool>());
        Assert.True(deployment["DeploymentCircuitBreaker"]!["Rollback"]!.GetValue<bool>());
    }

    [Fact]
    public void CloudMap_ListsOnlyHealthyTasks_AsShortLivedARecordsInAPrivateNamespace()
    {
        var s = fixture.FullFargate;
        var ns = s.Properties("AWS::ServiceDiscovery::PrivateDnsNamespace");
        var discovery = s.Properties("AWS::ServiceDiscovery::Service");

        Assert.Equal("chatbot.internal", ns["Name"]!.GetValue<string>());
        Assert.Equal("${" + Cfn.LogicalId(s.Stack, s.Stack.Network!.Vpc) + "}", Cfn.Render(ns["Vpc"]));
        Assert.Equal("llm", discovery["Name"]!.GetValue<string>());
        var record = Assert.Single(discovery["DnsConfig"]!["DnsRecords"]!.AsArray())!;
        Assert.Equal("A", record["Type"]!.GetValue<string>());
        Assert.Equal(10, record["TTL"]!.GetValue<int>());
        // ECS reports the container health check to Cloud Map: a task is listed only once its model is loaded.
        Assert.Equal(1, discovery["HealthCheckCustomConfig"]!["FailureThreshold"]!.GetValue<int>());
        Assert.Equal("${" + Assert.Single(s.OfType("AWS::ServiceDiscovery::Service")).Key + ".Arn}",
            Cfn.Render(Service(s)["ServiceRegistries"]![0]!["RegistryArn"]));
        s.Template.ResourceCountIs("AWS::ElasticLoadBalancingV2::LoadBalancer", 0);
    }

    [Fact]
    public void Environment_PointsTheApiAtLlamaServersOpenAiEndpoint()
    {
        foreach (var (synthesis, model) in new[] { (fixture.FullFargate, "qwen2.5-0.5b-instruct-q4_k_m"), (fixture.MinimalFargate, "tiny-chat-q8_0") })
        {
            var llm = LlmEnvironment(synthesis);

            Assert.Equal(new Dictionary<string, string>
            {
                ["Llm__Provider"] = "OpenAI",
                ["Llm__OpenAI__Endpoint"] = "http://llm.chatbot.internal:8080/v1",
                ["Llm__OpenAI__ModelId"] = model,
            }, llm);
        }

        Assert.Equal("Redis", Environment(fixture.FullFargate)["Cache__Provider"]);
        Assert.Equal("Memory", Environment(fixture.MinimalFargate)["Cache__Provider"]);
        fixture.MinimalFargate.Template.ResourceCountIs("AWS::ElastiCache::ServerlessCache", 0);
    }

    [Fact]
    public void TaskRoles_HaveNoPermissionsBeyondTheirOwnLogs()
    {
        foreach (var synthesis in fixture.Fargate)
        {
            var task = synthesis.Properties("AWS::ECS::TaskDefinition");
            var taskRole = Cfn.Render(task["TaskRoleArn"]).Trim('$', '{', '}').Replace(".Arn", "", StringComparison.Ordinal);
            var executionRole = Cfn.Render(task["ExecutionRoleArn"]).Trim('$', '{', '}').Replace(".Arn", "", StringComparison.Ordinal);
            var logGroup = "${" + Cfn.Render(Container(synthesis)["LogConfiguration"]!["Options"]!["awslogs-group"]).Trim('$', '{', '}') + ".Arn}";

            Assert.Empty(Cfn.StatementsForRole(synthesis, taskRole));
            var statement = Assert.Single(Cfn.StatementsForRole(synthesis, executionRole));
            Assert.Equal(["logs:CreateLogStream", "logs:PutLogEvents"], Cfn.RenderList(statement["Action"]).Order());
            Assert.Equal([logGroup], Cfn.RenderList(statement["Resource"]));
            Assert.Null(synthesis.Resources[executionRole]!["Properties"]!["ManagedPolicyArns"]);
        }
    }

    internal static JsonObject Function(Synthesis synthesis) =>
        synthesis.Resources[ApiTests.ApiFunctionId(synthesis)]!["Properties"]!.AsObject();

    internal static Dictionary<string, string> Environment(Synthesis synthesis) =>
        Function(synthesis)["Environment"]!["Variables"]!.AsObject().ToDictionary(v => v.Key, v => Cfn.Render(v.Value));

    internal static Dictionary<string, string> LlmEnvironment(Synthesis synthesis) =>
        Environment(synthesis).Where(v => v.Key.StartsWith("Llm__", StringComparison.Ordinal)).ToDictionary();

    internal static string Group(Synthesis synthesis, Constructs.IConstruct group) => "${" + Cfn.LogicalId(synthesis.Stack, group) + ".GroupId}";

    internal static List<string> Rules(Synthesis synthesis, string type) => synthesis.OfType(type).Values.Select(r =>
    {
        var p = r["Properties"]!;
        Assert.Equal(p["FromPort"]!.GetValue<int>(), p["ToPort"]!.GetValue<int>());
        Assert.Null(p["CidrIp"]);
        var own = Cfn.Render(p["GroupId"]);
        var ports = $"{p["IpProtocol"]} {p["FromPort"]}";
        return type == "AWS::EC2::SecurityGroupEgress"
            ? $"{own} -> {ports} -> " + (p["DestinationSecurityGroupId"] is { } sg ? "sg " + Cfn.Render(sg) : "prefix-list " + Cfn.Render(p["DestinationPrefixListId"]))
            : $"{own} <- {ports} <- sg {Cfn.Render(p["SourceSecurityGroupId"])}";
    }).Order().ToList();

    private static JsonObject Service(Synthesis synthesis) => synthesis.Properties("AWS::ECS::Service");

    private static JsonObject Container(Synthesis synthesis) =>
        Assert.Single(synthesis.Properties("AWS::ECS::TaskDefinition")["ContainerDefinitions"]!.AsArray())!.AsObject();
}
