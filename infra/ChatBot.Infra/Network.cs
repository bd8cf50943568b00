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

    /// <summary>Full profile: a security group for the context cache.</summary>
    public required bool Cache { get; init; }

    /// <summary>llm=bedrock: the private bedrock-runtime endpoint.</summary>
    public required bool BedrockEndpoint { get; init; }

    /// <summary>llm=lambda: an S3 gateway endpoint (free) through which the function reads its model.</summary>
    public required bool S3Endpoint { get; init; }

    /// <summary>
    /// llm=fargate: public subnets for the llama.cpp tasks, which pull their image from ghcr.io and their model from the
    /// internet through a public IP instead of a NAT gateway (see docs/decisions/0003).
    /// </summary>
    public required bool PublicSubnets { get; init; }
}

/// <summary>
/// The private network: the API function in isolated subnets (no NAT gateway, no internet path), a DynamoDB gateway
/// endpoint, and security groups whose rules are exact: Lambda → DynamoDB prefix list on 443, plus, as the deployment
/// needs them, Lambda → cache on 6379, Lambda → bedrock-runtime endpoint on 443, Lambda → S3 prefix list on 443.
/// With llm=fargate it also has public subnets, used only by the llama.cpp tasks (see LlamaServer).
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
            SubnetConfiguration = props.PublicSubnets
                ?
                [
                    new SubnetConfiguration { Name = "isolated", SubnetType = SubnetType.PRIVATE_ISOLATED, CidrMask = 24 },
                    new SubnetConfiguration { Name = "public", SubnetType = SubnetType.PUBLIC, CidrMask = 24 },
                ]
                : [new SubnetConfiguration { Name = "isolated", SubnetType = SubnetType.PRIVATE_ISOLATED, CidrMask = 24 }],
            // Nothing is placed in the default security group. Restricting it would add a custom-resource Lambda.
            RestrictDefaultSecurityGroup = false,
        });
        Subnets = new SubnetSelection { SubnetType = SubnetType.PRIVATE_ISOLATED };
        PublicSubnetSelection = props.PublicSubnets ? new SubnetSelection { SubnetType = SubnetType.PUBLIC } : null;

        Nag.Suppress(Vpc, new NagRule(
            "AwsSolutions-VPC7",
            props.PublicSubnets
                ? "The function's subnets are isolated; the public subnets hold only the llama.cpp tasks, whose security group " +
                  "admits the API function alone and lets out only HTTPS. Flow logs would bill per GB for the model downloads. " +
                  "Enable them if your policy requires."
                : "The subnets are isolated (no internet gateway, no NAT) and every security group rule is exact; flow logs would " +
                  "bill per GB for traffic that can only reach DynamoDB, Bedrock and the cache. Enable them if your policy requires."));

        FunctionSecurityGroup = new SecurityGroup(this, "FunctionSg", new SecurityGroupProps
        {
            Vpc = Vpc,
            Description = "ChatBot API function: egress to its data stores, model and endpoints only",
            AllowAllOutbound = false,
        });

        // AllowAllOutbound = false: the explicit egress rules below replace EC2's default allow-all rule, and groups
        // without any get CDK's rule that matches no traffic. Each AllowTo writes the egress and the matching ingress.
        if (props.Cache)
        {
            CacheSecurityGroup = new SecurityGroup(this, "CacheSg", new SecurityGroupProps
            {
                Vpc = Vpc,
                Description = "ChatBot context cache: ingress from the API function on 6379 only",
                AllowAllOutbound = false,
            });
            FunctionSecurityGroup.Connections.AllowTo(CacheSecurityGroup, Port.Tcp(RedisPort), "API function to cache (TLS)");
        }

        DynamoDbEndpoint = Vpc.AddGatewayEndpoint("DynamoDb", new GatewayVpcEndpointOptions
        {
            Service = GatewayVpcEndpointAwsService.DYNAMODB,
            Subnets = [Subnets],
        });

        if (props.BedrockEndpoint)
        {
            EndpointSecurityGroup = new SecurityGroup(this, "EndpointSg", new SecurityGroupProps
            {
                Vpc = Vpc,
                Description = "ChatBot interface endpoints: ingress from the API function on 443 only",
                AllowAllOutbound = false,
            });
            FunctionSecurityGroup.Connections.AllowTo(EndpointSecurityGroup, Port.Tcp(HttpsPort), "API function to interface endpoints");

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
        }

        FunctionSecurityGroup.AddEgressRule(
            Peer.PrefixList(LookUpPrefixList("DynamoDbPrefixList", "dynamodb")),
            Port.Tcp(HttpsPort),
            "API function to DynamoDB through the gateway endpoint");

        if (props.S3Endpoint)
        {
            S3Endpoint = Vpc.AddGatewayEndpoint("S3", new GatewayVpcEndpointOptions
            {
                Service = GatewayVpcEndpointAwsService.S3,
                Subnets = [Subnets],
            });
            FunctionSecurityGroup.AddEgressRule(
                Peer.PrefixList(LookUpPrefixList("S3PrefixList", "s3")),
                Port.Tcp(HttpsPort),
                "API function to S3 (its model) through the gateway endpoint");
        }
    }

    public Vpc Vpc { get; }
    public SubnetSelection Subnets { get; }

    /// <summary>The public subnets (llm=fargate only), else null.</summary>
    public SubnetSelection? PublicSubnetSelection { get; }
    public SecurityGroup FunctionSecurityGroup { get; }
    public SecurityGroup? CacheSecurityGroup { get; }
    public SecurityGroup? EndpointSecurityGroup { get; }
    public GatewayVpcEndpoint DynamoDbEndpoint { get; }
    public InterfaceVpcEndpoint? BedrockEndpoint { get; }
    public GatewayVpcEndpoint? S3Endpoint { get; }

    /// <summary>
    /// Gateway endpoints are reached through the service's AWS-managed prefix list, whose id differs per region.
    /// A synth-time lookup would need credentials, so the id is read at deploy time instead.
    /// </summary>
    private string LookUpPrefixList(string id, string service)
    {
        var region = Stack.Of(this).Region;
        var lookup = new AwsCustomResource(this, id, new AwsCustomResourceProps
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
                            ["Values"] = new[] { $"com.amazonaws.{region}.{service}" },
                        },
                    },
                },
                PhysicalResourceId = PhysicalResourceId.Of($"com.amazonaws.{region}.{service}"),
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
