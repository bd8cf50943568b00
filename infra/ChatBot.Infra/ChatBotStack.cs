using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Constructs;

namespace ChatBot.Infra;

public sealed class ChatBotStackProps : StackProps
{
    public required DeploymentSettings Settings { get; init; }
}

/// <summary>
/// The whole deployable ChatBot: site, sign-in, API, compute, data and (full profile) private network and cache.
/// Reads like a table of contents; each construct explains its own settings.
/// </summary>
public sealed class ChatBotStack : Stack
{
    public ChatBotStack(Construct scope, string id, ChatBotStackProps props) : base(scope, id, props)
    {
        var settings = props.Settings;
        var removal = settings.Destroy ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
        var retention = settings.LogRetention;

        // Full profile (and llm=fargate): the function in a VPC without NAT, reaching AWS services through endpoints only.
        Network = settings.HasVpc
            ? new Network(this, "Network", new NetworkProps
            {
                AvailabilityZones = settings.AvailabilityZones,
                Cache = settings.IsFull,
                BedrockEndpoint = settings.Llm == LlmBackend.Bedrock,
                S3Endpoint = settings.Llm == LlmBackend.Lambda,
                PublicSubnets = settings.Llm == LlmBackend.Fargate,
            })
            : null;

        // Conversations and messages: the source of truth.
        Conversations = new ConversationTable(this, "Conversations", new ConversationTableProps { RemovalPolicy = removal });

        // The gateway endpoint reaches this table only, whoever asks (a second fence behind the function's IAM role).
        Network?.DynamoDbEndpoint.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ThisTableOnly",
            Principals = [new AnyPrincipal()],
            Actions = ConversationTable.DataActions,
            Resources = [Conversations.Table.TableArn, Conversations.Table.TableArn + "/index/*"],
        }));

        // Full profile: recent context per conversation, so a normal turn reads no DynamoDB.
        Cache = Network?.CacheSecurityGroup is null
            ? null
            : new ContextCache(this, "ContextCache", new ContextCacheProps
            {
                Vpc = Network.Vpc,
                Subnets = Network.Subnets,
                SecurityGroup = Network.CacheSecurityGroup,
                CacheName = settings.StackName.ToLowerInvariant() + "-context",
                MaxDataGb = settings.CacheMaxDataGb,
                MaxEcpuPerSecond = settings.CacheMaxEcpuPerSecond,
            });

        // Users: invited by an admin, signed in through the hosted UI.
        Users = new UserDirectory(this, "Users", new UserDirectoryProps
        {
            DomainPrefix = Fn.Join("-", [settings.StackName.ToLowerInvariant(), Aws.ACCOUNT_ID]),
            RemovalPolicy = removal,
            MfaRequired = settings.MfaRequired,
            ThreatProtection = settings.ThreatProtection,
        });

        // The model the API talks to: Bedrock, llama-server on Fargate (llm=fargate) or a GGUF inside the function (llm=lambda).
        var backend = settings.Llm switch
        {
            LlmBackend.Fargate => ApiModelBackend.ForLlamaServer(AddLlamaServer(settings, removal), settings.SelfHostedModel!),
            LlmBackend.Lambda => ApiModelBackend.ForInLambdaModel(AddModelStore(settings, removal), settings.LambdaMemoryMb, settings.LambdaStorageMb),
            _ => ApiModelBackend.ForBedrock(settings.Models, settings.Region),
        };

        // The ASP.NET app on Lambda, behind the Lambda Web Adapter.
        ApiFunction = new ApiFunction(this, "ApiFunction", new ApiFunctionProps
        {
            Package = SourceBuild.ApiCode(settings),
            Table = Conversations.Table,
            Model = backend,
            RedisConfiguration = Cache?.RedisConfiguration,
            Network = Network,
            ReservedConcurrency = settings.ReservedConcurrency,
            SnapStart = settings.SnapStart,
            LogRetention = retention,
            LogRemovalPolicy = removal,
        });

        // A cold start must find the model in place: the function changes only after the deploy-time copy is done.
        if (Models?.Copy is { } copy)
        {
            ApiFunction.Function.Node.AddDependency(copy);
        }

        // The REST API: Cognito authorizer, throttling, access logs, streaming integration.
        Api = new ChatApi(this, "Api", new ChatApiProps
        {
            Function = ApiFunction.Invoked,
            UserPool = Users.UserPool,
            RateLimit = settings.ApiRateLimit,
            BurstLimit = settings.ApiBurstLimit,
            LogRetention = retention,
            LogRemovalPolicy = removal,
        });

        // What an operator watches: a dashboard, alarms on errors, throttling and token spend, and the topic they notify.
        Monitoring = new Monitoring(this, "Monitoring", new MonitoringProps
        {
            Api = Api.RestApi,
            Function = ApiFunction.Function,
            Table = Conversations.Table,
            BedrockModelId = settings.Llm == LlmBackend.Bedrock ? settings.Model?.ModelId : null,
            DailyTokenBudget = settings.DailyTokenBudget,
            AlarmEmail = settings.AlarmEmail,
            EncryptTopic = settings.IsFull,
        });

        // waf=true: a web ACL in front of CloudFront, which must live in us-east-1 (its own stack there, deployed first).
        Firewall = settings.Waf
            ? new WebFirewallStack(scope, id + "-Waf", new StackProps
            {
                Env = new Amazon.CDK.Environment { Region = WebFirewallStack.CloudFrontRegion },
                Description = "ChatBot web ACL for CloudFront (us-east-1)",
            })
            : null;
        if (Firewall is not null)
        {
            AddDependency(Firewall);
        }

        // The site and /api on one CloudFront origin.
        Site = new Website(this, "Site", new WebsiteProps
        {
            WebAclArn = Firewall?.ReadArn(this),
            Api = Api.RestApi,
            HostedUiUrl = Users.HostedUiUrl,
            // The web app derives its OIDC authority from the region and pool the same way (frontend/src/config.ts).
            IssuerOrigin = $"https://cognito-idp.{Region}.amazonaws.com",
            RemovalPolicy = removal,
            ApiOriginKey = Api.OriginKey,
        });

        // The browser's app client can only be registered once the site's URL exists.
        var webClient = Users.AddWebClient(Site.SiteUrl);

        // The built frontend plus the config.json that points it at this stack.
        _ = new SiteContent(this, "SiteContent", new SiteContentProps
        {
            WebApp = SourceBuild.WebAppSource(settings),
            Bucket = Site.Bucket,
            Distribution = Site.Distribution,
            Config = new WebConfig
            {
                Region = Region,
                UserPoolId = Users.UserPool.UserPoolId,
                UserPoolClientId = webClient.UserPoolClientId,
                CognitoDomain = Users.HostedUiUrl,
            },
        });

        AddOutputs(settings, webClient.UserPoolClientId);
        SuppressCdkProviderFindings();

        if (settings.Destroy)
        {
            Annotations.Of(this).AddWarningV2("chatbot:destroy",
                "destroy=true: 'cdk destroy' DELETES the conversation table (every conversation), the user pool (every user account), " +
                "the site bucket and the log groups. Leave destroy unset to retain them.");
        }
    }

    public Network? Network { get; }
    public ConversationTable Conversations { get; }
    public ContextCache? Cache { get; }

    /// <summary>llm=fargate: llama-server on ECS Fargate.</summary>
    public LlamaServer? LlamaServer { get; private set; }

    /// <summary>llm=lambda: the model object in S3.</summary>
    public ModelStore? Models { get; private set; }

    public UserDirectory Users { get; }
    public ApiFunction ApiFunction { get; }
    public ChatApi Api { get; }
    public Website Site { get; }
    public Monitoring Monitoring { get; }

    /// <summary>waf=true: the us-east-1 stack holding the web ACL.</summary>
    public WebFirewallStack? Firewall { get; }

    private LlamaServer AddLlamaServer(DeploymentSettings settings, RemovalPolicy removal)
    {
        LlamaServer = new LlamaServer(this, "LlamaServer", new LlamaServerProps
        {
            Network = Network!,
            Model = settings.SelfHostedModel!,
            NamespaceName = settings.StackName.ToLowerInvariant() + ".internal",
            MinTasks = settings.FargateMinTasks,
            MaxTasks = settings.FargateMaxTasks,
            Architecture = settings.FargateArchitecture,
            LogRetention = settings.LogRetention,
            LogRemovalPolicy = removal,
        });
        return LlamaServer;
    }

    private ModelStore AddModelStore(DeploymentSettings settings, RemovalPolicy removal)
    {
        Models = new ModelStore(this, "Models", new ModelStoreProps
        {
            Model = settings.SelfHostedModel!,
            ExistingObject = settings.ModelS3Object,
            RemovalPolicy = removal,
            LogRetention = settings.LogRetention,
        });

        // Full profile: the S3 gateway endpoint reaches the model object only, whoever asks.
        Network?.S3Endpoint?.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "TheModelObjectOnly",
            Principals = [new AnyPrincipal()],
            Actions = ["s3:GetObject"],
            Resources = [Models.ObjectArn],
        }));
        return Models;
    }

    private void AddOutputs(DeploymentSettings settings, string clientId)
    {
        _ = new CfnOutput(this, "SiteUrl", new CfnOutputProps { Value = Site.SiteUrl, Description = "Open this to use ChatBot" });
        _ = new CfnOutput(this, "ApiUrl", new CfnOutputProps { Value = Site.SiteUrl + "/api", Description = "The API, same origin as the site" });
        _ = new CfnOutput(this, "UserPoolId", new CfnOutputProps { Value = Users.UserPool.UserPoolId });
        _ = new CfnOutput(this, "UserPoolClientId", new CfnOutputProps { Value = clientId });
        _ = new CfnOutput(this, "CognitoDomain", new CfnOutputProps { Value = Users.HostedUiUrl });
        _ = new CfnOutput(this, "TableName", new CfnOutputProps { Value = Conversations.Table.TableName });
        _ = new CfnOutput(this, "CreateFirstUser", new CfnOutputProps
        {
            Description = "Invite the first user (Cognito emails a temporary password), then make them an admin",
            Value = Fn.Join("", [
                "aws cognito-idp admin-create-user --region ", settings.Region,
                " --user-pool-id ", Users.UserPool.UserPoolId,
                " --username you@example.com --user-attributes Name=email,Value=you@example.com Name=email_verified,Value=true",
                " && aws cognito-idp admin-add-user-to-group --region ", settings.Region,
                " --user-pool-id ", Users.UserPool.UserPoolId,
                " --username you@example.com --group-name ", UserDirectory.AdminsGroup,
            ]),
        });
    }

    /// <summary>
    /// CDK's own provider functions (BucketDeployment, AwsCustomResource, S3 auto-delete) are singletons at stack
    /// level whose runtime and policies the CDK version decides; each finding is acknowledged with its reason.
    /// </summary>
    private void SuppressCdkProviderFindings()
    {
        const string providerRuntime =
            "CDK-managed provider function: its runtime is set by the CDK library version (2.160.0) and moves with CDK upgrades.";
        const string basicRole =
            "CDK-managed provider role: AWSLambdaBasicExecutionRole only lets it write its own logs.";
        // What the Serverless pack asks of request-serving functions; these run only while CloudFormation deploys.
        NagRule[] providerFunction =
        [
            new("AwsSolutions-L1", providerRuntime),
            new("Serverless-LambdaLatestVersion", providerRuntime),
            new("Serverless-LambdaDefaultMemorySize", "CDK-managed provider function: CDK sets its memory; it runs a few SDK calls at deploy time."),
            new("Serverless-LambdaDLQ",
                "CDK-managed custom resource provider: a failure fails the deployment, which CloudFormation reports and rolls back."),
            new("Serverless-LambdaTracing", "CDK-managed provider function: it runs only during deployments, outside any request path worth tracing."),
        ];

        foreach (var child in Node.Children)
        {
            var id = child.Node.Id;
            if (id.StartsWith("Custom::CDKBucketDeployment", StringComparison.Ordinal))
            {
                Nag.Suppress(child, providerFunction);
                Nag.Suppress(child.Node.FindChild("ServiceRole"), new NagRule("AwsSolutions-IAM4", basicRole,
                    "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"));
                Nag.Suppress(child.Node.FindChild("ServiceRole").Node.FindChild("DefaultPolicy"), new NagRule("AwsSolutions-IAM5",
                    "BucketDeployment copies the asset zip into the site bucket and invalidates the distribution; CDK scopes it " +
                    "to the asset and site buckets' objects (object keys are not known in advance)."));
            }
            else if (id.StartsWith("AWS679f53fac002430cb0da5b7982bd2287", StringComparison.Ordinal))
            {
                Nag.Suppress(child, providerFunction);
                Nag.Suppress(child.Node.FindChild("ServiceRole"), new NagRule("AwsSolutions-IAM4", basicRole,
                    "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"));
            }
            else if (id == "Custom::S3AutoDeleteObjectsCustomResourceProvider")
            {
                Nag.Suppress(child.Node.FindChild("Handler"), providerFunction);
                Nag.Suppress(child.Node.FindChild("Role"), new NagRule("AwsSolutions-IAM4", basicRole,
                    "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"));
            }
        }
    }
}
