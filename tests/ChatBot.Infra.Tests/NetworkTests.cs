using System.Text.Json.Nodes;

namespace ChatBot.Infra.Tests;

/// <summary>The full profile's private network and cache; the minimal profile has neither.</summary>
public sealed class NetworkTests(SynthFixture fixture)
{
    private Synthesis Full => fixture.Full;

    private string Id(Constructs.IConstruct? construct) => Cfn.LogicalId(Full.Stack, construct!);

    [Fact]
    public void Vpc_HasNoNatGatewayAndNoInternetPath()
    {
        Full.Template.ResourceCountIs("AWS::EC2::VPC", 1);
        Full.Template.ResourceCountIs("AWS::EC2::NatGateway", 0);
        Full.Template.ResourceCountIs("AWS::EC2::InternetGateway", 0);
        Full.Template.ResourceCountIs("AWS::EC2::EIP", 0);
        Full.Template.ResourceCountIs("AWS::EC2::Route", 0);
    }

    [Fact]
    public void Subnets_AreTwoIsolatedOnesInTheZonesFromCdkJson()
    {
        var subnets = Full.OfType("AWS::EC2::Subnet").Values.Select(s => s["Properties"]!).ToList();

        Assert.Equal(["us-west-2a", "us-west-2b"], subnets.Select(s => s["AvailabilityZone"]!.GetValue<string>()).Order());
        Assert.All(subnets, s => Assert.False(s["MapPublicIpOnLaunch"]!.GetValue<bool>()));
    }

    [Fact]
    public void DynamoDb_IsReachedThroughAGatewayEndpoint()
    {
        var endpoint = Full.OfType("AWS::EC2::VPCEndpoint").Values.Select(e => e["Properties"]!)
            .Single(e => e["VpcEndpointType"]!.GetValue<string>() == "Gateway");

        Assert.Equal("com.amazonaws.${AWS::Region}.dynamodb", Cfn.Render(endpoint["ServiceName"]));
        Assert.Equal(2, endpoint["RouteTableIds"]!.AsArray().Count);

        // Its policy reaches this table and its indexes only.
        var table = Id(Full.Stack.Conversations.Table);
        var statement = Assert.Single(endpoint["PolicyDocument"]!["Statement"]!.AsArray())!;
        Assert.Equal("*", Cfn.Render(statement["Principal"]!["AWS"]));
        Assert.Equal(["${" + table + ".Arn}", "${" + table + ".Arn}/index/*"], Cfn.RenderList(statement["Resource"]));
        Assert.All(Cfn.RenderList(statement["Action"]), action => Assert.StartsWith("dynamodb:", action, StringComparison.Ordinal));
        Assert.DoesNotContain("dynamodb:*", Cfn.RenderList(statement["Action"]));
    }

    [Fact]
    public void BedrockRuntime_IsReachedThroughAPrivateDnsInterfaceEndpoint_OnlyFromItsSecurityGroup()
    {
        var endpoint = Full.OfType("AWS::EC2::VPCEndpoint").Values.Select(e => e["Properties"]!)
            .Single(e => e["VpcEndpointType"]!.GetValue<string>() == "Interface");

        Assert.Equal("com.amazonaws.us-west-2.bedrock-runtime", Cfn.Render(endpoint["ServiceName"]));
        Assert.True(endpoint["PrivateDnsEnabled"]!.GetValue<bool>());
        Assert.Equal(["${" + Id(Full.Stack.Network!.EndpointSecurityGroup) + ".GroupId}"], Cfn.RenderList(endpoint["SecurityGroupIds"]));
    }

    [Fact]
    public void SecurityGroupRules_AreExactlyFunctionToCacheEndpointsAndDynamoDb()
    {
        var network = Full.Stack.Network!;
        string Group(Constructs.IConstruct? sg) => "${" + Id(sg) + ".GroupId}";
        var function = Group(network.FunctionSecurityGroup);
        var cache = Group(network.CacheSecurityGroup);
        var endpoints = Group(network.EndpointSecurityGroup);
        var prefixList = "${" + Id(network.Node.FindChild("DynamoDbPrefixList")) + ".PrefixLists.0.PrefixListId}";

        var egress = Full.OfType("AWS::EC2::SecurityGroupEgress").Values.Select(r => Rule(r, "Destination")).Order().ToList();
        var ingress = Full.OfType("AWS::EC2::SecurityGroupIngress").Values.Select(r => Rule(r, "Source")).Order().ToList();

        Assert.Equal(new[]
        {
            $"{function} -> tcp 443 -> prefix-list {prefixList}",
            $"{function} -> tcp 443 -> sg {endpoints}",
            $"{function} -> tcp 6379 -> sg {cache}",
        }.Order(), egress);
        Assert.Equal(new[]
        {
            $"{cache} <- tcp 6379 <- sg {function}",
            $"{endpoints} <- tcp 443 <- sg {function}",
        }.Order(), ingress);
    }

    [Fact]
    public void SecurityGroups_HaveNoInlineRulesThatCouldOpenThemUp()
    {
        foreach (var (id, group) in Full.OfType("AWS::EC2::SecurityGroup"))
        {
            var properties = group["Properties"]!;
            Assert.Null(properties["SecurityGroupIngress"]);

            // With allowAllOutbound=false CDK writes either nothing (explicit egress rules exist, which removes EC2's
            // default allow-all rule) or a rule matching no traffic.
            var inlineEgress = properties["SecurityGroupEgress"]?.AsArray() ?? [];
            Assert.All(inlineEgress, rule =>
            {
                Assert.Equal("255.255.255.255/32", rule!["CidrIp"]!.GetValue<string>());
                Assert.Equal("Disallow all traffic", rule["Description"]!.GetValue<string>());
            });
            if (id == Id(Full.Stack.Network!.FunctionSecurityGroup))
            {
                Assert.Empty(inlineEgress);
            }
        }

        Full.Template.ResourceCountIs("AWS::EC2::SecurityGroup", 3);
    }

    [Fact]
    public void DynamoDbPrefixList_IsLookedUpAtDeployTime_NotAtSynth()
    {
        var lookup = Full.Properties("Custom::AWS");
        var call = JsonNode.Parse(Cfn.Render(lookup["Update"]))!;

        Assert.Equal("EC2", call["service"]!.GetValue<string>());
        Assert.Equal("describePrefixLists", call["action"]!.GetValue<string>());
        Assert.Equal("com.amazonaws.us-west-2.dynamodb", call["parameters"]!["Filters"]![0]!["Values"]![0]!.GetValue<string>());
    }

    [Fact]
    public void Cache_IsServerlessValkeyInTheIsolatedSubnets_WithCostCaps()
    {
        var cache = Full.Properties("AWS::ElastiCache::ServerlessCache");

        Assert.Equal("valkey", cache["Engine"]!.GetValue<string>());
        Assert.Equal("chatbot-context", cache["ServerlessCacheName"]!.GetValue<string>());
        Assert.Equal(1, cache["CacheUsageLimits"]!["DataStorage"]!["Maximum"]!.GetValue<int>());
        Assert.Equal("GB", cache["CacheUsageLimits"]!["DataStorage"]!["Unit"]!.GetValue<string>());
        Assert.Equal(5000, cache["CacheUsageLimits"]!["ECPUPerSecond"]!["Maximum"]!.GetValue<int>());
        Assert.Equal(0, cache["SnapshotRetentionLimit"]!.GetValue<int>());
        Assert.Equal(["${" + Id(Full.Stack.Network!.CacheSecurityGroup) + ".GroupId}"], Cfn.RenderList(cache["SecurityGroupIds"]));
        Assert.Equal(
            Full.OfType("AWS::EC2::Subnet").Keys.Select(k => "${" + k + "}").Order(),
            Cfn.RenderList(cache["SubnetIds"]).Order());
    }

    [Fact]
    public void Minimal_HasNoVpcNoEndpointsAndNoCache()
    {
        var types = fixture.Minimal.Resources.Select(r => r.Value!["Type"]!.GetValue<string>()).ToList();

        Assert.DoesNotContain(types, t => t.StartsWith("AWS::EC2::", StringComparison.Ordinal));
        Assert.DoesNotContain(types, t => t.StartsWith("AWS::ElastiCache::", StringComparison.Ordinal));
        Assert.DoesNotContain("Custom::AWS", types);
    }

    private static string Rule(JsonObject resource, string direction)
    {
        var p = resource["Properties"]!;
        var own = Cfn.Render(p["GroupId"]);
        var ports = $"{p["IpProtocol"]} {p["FromPort"]}";
        Assert.Equal(p["FromPort"]!.GetValue<int>(), p["ToPort"]!.GetValue<int>());
        Assert.Null(p["CidrIp"]);
        Assert.Null(p["CidrIpv6"]);
        if (direction == "Destination")
        {
            var peer = p["DestinationSecurityGroupId"] is { } sg ? "sg " + Cfn.Render(sg) : "prefix-list " + Cfn.Render(p["DestinationPrefixListId"]);
            return $"{own} -> {ports} -> {peer}";
        }

        return $"{own} <- {ports} <- sg {Cfn.Render(p["SourceSecurityGroupId"])}";
    }
}
