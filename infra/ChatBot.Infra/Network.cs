using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.CustomResources;
using Constructs;

namespace ChatBot.Infra;

public sealed class NetworkProps
{
    /// <summary>Exactly two zones of the stack region, from context, so synth needs no AZ lookup.</summary>
    public required IReadOnlyList<string> AvailabilityZones { get; init; }
}

/// <summary>
/// The <c>full</c> profile's network: private isolated subnets only (no NAT gateway, no internet path), a DynamoDB
/// gateway endpoint, a bedrock-runtime interface endpoint, and three security groups whose rules are exact:
/// Lambda → cache on 6379, Lambda → endpoints on 443, Lambda → DynamoDB prefix list on 443, nothing else.
/// </summary>
public sealed class Network : Construct
{
    public const int RedisPort = 6379;
    public const int HttpsPort = 443;

    public Network(Construct scope, string id, NetworkProps props) : base(scope, id)
    {
        Vpc = new Vpc(this, "Vpc", new VpcProps
        {
            IpAddresses = IpAddresses.Cidr("10.40.0.0/20"),
            AvailabilityZones = props.AvailabilityZones.ToArray(),
            NatGateways = 0,
            SubnetConfiguration =
            [
                new SubnetConfiguration { Name = "isolated", SubnetType = SubnetType.PRIVATE_ISOLATED, CidrMask = 24 },
            ],
            // Nothing is placed in the default security group. Restricting it would add a custom-resource Lambda.
            RestrictDefaultSecurityGroup = false,
        });
        Subnets = new SubnetSelection { SubnetType = SubnetType.PRIVATE_ISOLATED };

        Nag.Suppress(Vpc, new NagRule(
            "AwsSolutions-VPC7",
            "The subnets are isolated (no internet gateway, no NAT) and every security group rule is exact; flow logs would " +
            "bill per GB for traffic that can only reach DynamoDB, Bedrock and the cache. Enable them if your policy requires."));

        FunctionSecurityGroup = new SecurityGroup(this, "FunctionSg", new SecurityGroupProps
        {
            Vpc = Vpc,
            Description = "ChatBot API function: egress to the cache, the interface endpoints and DynamoDB only",
            AllowAllOutbound = false,
        });
        CacheSecurityGroup = new SecurityGroup(this, "CacheSg", new SecurityGroupProps
        {
            Vpc = Vpc,
            Description = "ChatBot context cache: ingress from the API function on 6379 only",
            AllowAllOutbound = false,
        });
        EndpointSecurityGroup = new SecurityGroup(this, "EndpointSg", new SecurityGroupProps
        {
            Vpc = Vpc,
            Description = "ChatBot interface endpoints: ingress from the API function on 443 only",
            AllowAllOutbound = false,
        });

        // AllowAllOutbound = false: the explicit egress rules below replace EC2's default allow-all rule, and groups
        // without any get CDK's rule that matches no traffic. Each AllowTo writes the egress and the matching ingress.
        FunctionSecurityGroup.Connections.AllowTo(CacheSecurityGroup, Port.Tcp(RedisPort), "API function to cache (TLS)");
        FunctionSecurityGroup.Connections.AllowTo(EndpointSecurityGroup, Port.Tcp(HttpsPort), "API function to interface endpoints");

        DynamoDbEndpoint = Vpc.AddGatewayEndpoint("DynamoDb", new GatewayVpcEndpointOptions
        {
            Service = GatewayVpcEndpointAwsService.DYNAMODB,
            Subnets = [Subnets],
        });

        BedrockEndpoint = Vpc.AddInterfaceEndpoint("BedrockRuntime", new InterfaceVpcEndpointOptions
        {
            // The CDK 2.160 enum predates BEDROCK_RUNTIME; the service name is the same.
            Service = new InterfaceVpcEndpointAwsService("bedrock-runtime"),
            PrivateDnsEnabled = true,
            Subnets = Subnets,
            SecurityGroups = [EndpointSecurityGroup],
            // Open = true would add ingress from the whole VPC CIDR; only the function may connect.
            Open = false,
        });

        FunctionSecurityGroup.AddEgressRule(
            Peer.PrefixList(LookUpDynamoDbPrefixList()),
            Port.Tcp(HttpsPort),
            "API function to DynamoDB through the gateway endpoint");
    }

    public Vpc Vpc { get; }
    public SubnetSelection Subnets { get; }
    public SecurityGroup FunctionSecurityGroup { get; }
    public SecurityGroup CacheSecurityGroup { get; }
    public SecurityGroup EndpointSecurityGroup { get; }
    public GatewayVpcEndpoint DynamoDbEndpoint { get; }
    public InterfaceVpcEndpoint BedrockEndpoint { get; }

    /// <summary>
    /// Gateway endpoints are reached through the service's AWS-managed prefix list, whose id differs per region.
    /// A synth-time lookup would need credentials, so the id is read at deploy time instead.
    /// </summary>
    private string LookUpDynamoDbPrefixList()
    {
        var region = Stack.Of(this).Region;
        var lookup = new AwsCustomResource(this, "DynamoDbPrefixList", new AwsCustomResourceProps
        {
            OnUpdate = new AwsSdkCall
            {
                Service = "EC2",
                Action = "describePrefixLists",
                Parameters = new Dictionary<string, object>
                {
                    ["Filters"] = new object[]
                    {
                        new Dictionary<string, object>
                        {
                            ["Name"] = "prefix-list-name",
                            ["Values"] = new[] { $"com.amazonaws.{region}.dynamodb" },
                        },
                    },
                },
                PhysicalResourceId = PhysicalResourceId.Of($"com.amazonaws.{region}.dynamodb"),
                OutputPaths = ["PrefixLists.0.PrefixListId"],
            },
            Policy = AwsCustomResourcePolicy.FromStatements(
            [
                // ec2:DescribePrefixLists supports no resource-level permissions: "*" is the only valid resource.
                new PolicyStatement(new PolicyStatementProps { Actions = ["ec2:DescribePrefixLists"], Resources = ["*"] }),
            ]),
            InstallLatestAwsSdk = false,
        });

        var policy = lookup.Node.TryFindChild("CustomResourcePolicy");
        if (policy is not null)
        {
            Nag.Suppress(policy, new NagRule(
                "AwsSolutions-IAM5",
                "ec2:DescribePrefixLists has no resource-level permissions; AWS accepts only Resource \"*\" for it.",
                "Resource::*"));
        }

        return lookup.GetResponseField("PrefixLists.0.PrefixListId");
    }
}
