using System.Text.Json;
using Amazon.CDK;
using Amazon.CDK.AWS.APIGateway;
using Amazon.CDK.AWS.Cognito;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Constructs;

namespace ChatBot.Infra;

public sealed class ChatApiProps
{
    public required IFunction Function { get; init; }
    public required IUserPool UserPool { get; init; }
    public required int RateLimit { get; init; }
    public required int BurstLimit { get; init; }
    public required RetentionDays LogRetention { get; init; }
    public required RemovalPolicy LogRemovalPolicy { get; init; }
}

/// <summary>
/// The regional REST API in front of the function. Routes: <c>GET /api/health</c> (public) and <c>ANY /api/{proxy+}</c>
/// behind a Cognito authorizer that verifies the access token and requires the <c>openid</c> scope. API Gateway
/// forwards the verified claims in the request context, which the Lambda Web Adapter hands to the app as the
/// <c>x-amzn-request-context</c> header (see docs/decisions/0002-identity-from-api-gateway.md).
/// Every integration streams (REST API response streaming), so tokens reach the browser as they are generated.
/// <para>
/// Only CloudFront gets through: every method requires an API key that only CloudFront sends (an origin custom header,
/// <see cref="OriginKey"/>), so a direct call to the execute-api URL, which would skip CloudFront's security headers and
/// any web ACL, is a 403 before the authorizer or the function runs (docs/decisions/0004-api-reachable-only-through-cloudfront.md).
/// </para>
/// </summary>
public sealed class ChatApi : Construct
{
    public const string StageName = "prod";

    /// <summary>The header CloudFront adds to every /api request, and API Gateway checks against the key.</summary>
    public const string OriginKeyHeader = "x-api-key";

    /// <summary>About 262 bits: the key is a bearer credential for reaching the API at all.</summary>
    public const int OriginKeyLength = 44;

    public ChatApi(Construct scope, string id, ChatApiProps props) : base(scope, id)
    {
        AccessLogs = new LogGroup(this, "AccessLogs", new LogGroupProps
        {
            Retention = props.LogRetention,
            RemovalPolicy = props.LogRemovalPolicy,
        });

        RestApi = new RestApi(this, "Api", new RestApiProps
        {
            RestApiName = Stack.Of(this).StackName + "-api",
            Description = "ChatBot HTTP API (reached through CloudFront at /api)",
            EndpointConfiguration = new EndpointConfiguration { Types = [EndpointType.REGIONAL] },
            // API Gateway writes logs to CloudWatch through one account-wide role; this creates it (kept on delete,
            // since other APIs in the account may rely on it).
            CloudWatchRole = true,
            CloudWatchRoleRemovalPolicy = Amazon.CDK.RemovalPolicy.RETAIN,
            DeployOptions = new StageOptions
            {
                StageName = StageName,
                ThrottlingRateLimit = props.RateLimit,
                ThrottlingBurstLimit = props.BurstLimit,
                AccessLogDestination = new LogGroupLogDestination(AccessLogs),
                AccessLogFormat = AccessLogFormat.Custom(AccessLogJson()),
                // Errors only, and never request or response bodies: prompts and answers stay out of the logs.
                LoggingLevel = MethodLoggingLevel.ERROR,
                DataTraceEnabled = false,
                MetricsEnabled = false,
                // X-Ray: each request's path through API Gateway and the function, for latency and failure analysis.
                TracingEnabled = true,
            },
        });

        Authorizer = new CognitoUserPoolsAuthorizer(this, "Authorizer", new CognitoUserPoolsAuthorizerProps
        {
            CognitoUserPools = [props.UserPool],
            IdentitySource = "method.request.header.Authorization",
            ResultsCacheTtl = Duration.Minutes(5),
        });

        var integration = new LambdaIntegration(props.Function, new LambdaIntegrationOptions
        {
            Proxy = true,
            // The console's test-invoke is the only other caller LambdaIntegration would allow; API Gateway stages only.
            AllowTestInvoke = false,
        });

        var api = RestApi.Root.AddResource("api");
        HealthMethod = api.AddResource("health").AddMethod("GET", integration, new MethodOptions
        {
            AuthorizationType = AuthorizationType.NONE,
            ApiKeyRequired = true,
        });
        ProxyMethod = api.AddResource("{proxy+}").AddMethod("ANY", integration, new MethodOptions
        {
            AuthorizationType = AuthorizationType.COGNITO,
            Authorizer = Authorizer,
            AuthorizationScopes = [UserDirectory.ApiScope],
            ApiKeyRequired = true,
        });

        // The key CloudFront sends; drawn at deploy time, so it is in no template or repository.
        OriginKeyDraw = DeployTimeSecret.Draw(this, "OriginKeyValue", "Custom::ApiOriginKey", "api-origin-key", OriginKeyLength);
        OriginKey = DeployTimeSecret.Value(OriginKeyDraw);
        var key = RestApi.AddApiKey("OriginKey", new ApiKeyOptions
        {
            Description = "Sent by CloudFront only: the API answers no one else",
            Value = OriginKey,
        });
        var plan = RestApi.AddUsagePlan("CloudFrontOnly", new UsagePlanProps
        {
            Description = "CloudFront's key; the stage's own throttling applies",
            ApiStages = [new UsagePlanPerApiStage { Api = RestApi, Stage = RestApi.DeploymentStage }],
        });
        plan.AddApiKey(key);

        StreamResponses(HealthMethod, props.Function);
        StreamResponses(ProxyMethod, props.Function);

        Nag.Suppress(HealthMethod,
            new NagRule("AwsSolutions-APIG4", "GET /api/health is the public liveness probe; it returns no data and touches no store."),
            new NagRule("AwsSolutions-COG4", "GET /api/health is the public liveness probe; every other route uses the Cognito authorizer."));

        Nag.Suppress(RestApi,
            new NagRule("AwsSolutions-APIG2",
                "Every route is a Lambda proxy; the app validates each request and answers 400 ProblemDetails without storing anything."));
        Nag.Suppress(RestApi.DeploymentStage,
            new NagRule("AwsSolutions-APIG3",
                "The stage answers only CloudFront (API key origin header), where -c waf=true puts the web ACL; it is also throttled, and every data route needs a Cognito token."));
        var cloudWatchRole = RestApi.Node.TryFindChild("CloudWatchRole");
        if (cloudWatchRole is not null)
        {
            Nag.Suppress(cloudWatchRole, new NagRule(
                "AwsSolutions-IAM4",
                "AmazonAPIGatewayPushToCloudWatchLogs is the AWS-maintained policy for API Gateway's account-wide logging role.",
                "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"));
        }

        AddProblemDetailsResponses();
    }

    public RestApi RestApi { get; }
    public CognitoUserPoolsAuthorizer Authorizer { get; }

    /// <summary>The API key value CloudFront must send in <see cref="OriginKeyHeader"/> (a deploy-time reference).</summary>
    public string OriginKey { get; }

    public Amazon.CDK.CustomResources.AwsCustomResource OriginKeyDraw { get; }
    public Method HealthMethod { get; }
    public Method ProxyMethod { get; }
    public LogGroup AccessLogs { get; }

    /// <summary>
    /// Escape hatch: CDK 2.160's LambdaIntegration cannot stream. The method is switched to API Gateway REST response
    /// streaming by setting ResponseTransferMode = STREAM and the 2021-11-15 response-streaming-invocations URI, which
    /// makes API Gateway call InvokeWithResponseStream. With streaming the integration may run past the 29-second
    /// buffered limit, up to 15 minutes; we allow as long as the function may run.
    /// After upgrading to CDK 2.230 or later, use instead:
    /// <c>new LambdaIntegration(fn, new LambdaIntegrationOptions { ResponseTransferMode = ResponseTransferMode.STREAM, Timeout = ApiFunction.AnswerTimeout })</c>.
    /// </summary>
    private static void StreamResponses(Method method, IFunction function)
    {
        var cfn = (CfnMethod)method.Node.DefaultChild!;
        var stack = Stack.Of(method);
        cfn.AddPropertyOverride("Integration.ResponseTransferMode", "STREAM");
        cfn.AddPropertyOverride("Integration.Uri",
            $"arn:{stack.Partition}:apigateway:{stack.Region}:lambda:path/2021-11-15/functions/{function.FunctionArn}/response-streaming-invocations");
        cfn.AddPropertyOverride("Integration.TimeoutInMillis", ApiFunction.AnswerTimeout.ToMilliseconds());
    }

    /// <summary>
    /// Errors raised by API Gateway itself (no token, throttled, unknown route) use the same
    /// application/problem+json shape as the app's own errors.
    /// </summary>
    private void AddProblemDetailsResponses()
    {
        (string Id, ResponseType_ Type, string Status, string Title)[] responses =
        [
            ("Unauthorized", ResponseType_.UNAUTHORIZED, "401", "Unauthorized"),
            ("AccessDenied", ResponseType_.ACCESS_DENIED, "403", "Forbidden"),
            ("UnknownRoute", ResponseType_.MISSING_AUTHENTICATION_TOKEN, "404", "Not Found"),
            ("Throttled", ResponseType_.THROTTLED, "429", "Too Many Requests"),
            ("Default4xx", ResponseType_.DEFAULT_4XX, "", "Request rejected"),
            ("Default5xx", ResponseType_.DEFAULT_5XX, "", "Gateway error"),
        ];

        foreach (var (id, type, status, title) in responses)
        {
            var statusField = status.Length == 0 ? "" : $"\"status\":{status},";
            RestApi.AddGatewayResponse(id, new GatewayResponseOptions
            {
                Type = type,
                StatusCode = status.Length == 0 ? null : status,
                ResponseHeaders = new Dictionary<string, string> { ["Content-Type"] = "'application/problem+json'" },
                Templates = new Dictionary<string, string>
                {
                    ["application/json"] =
                        $"{{\"type\":\"about:blank\",\"title\":\"{title}\",{statusField}\"detail\":$context.error.messageString,\"requestId\":\"$context.requestId\"}}",
                },
            });
        }
    }

    /// <summary>One JSON line per request: who, what, how long, and how it ended. Never bodies.</summary>
    private static string AccessLogJson() => JsonSerializer.Serialize(new Dictionary<string, string>
    {
        ["requestId"] = AccessLogField.ContextRequestId(),
        ["ip"] = AccessLogField.ContextIdentitySourceIp(),
        ["requestTime"] = AccessLogField.ContextRequestTime(),
        ["httpMethod"] = AccessLogField.ContextHttpMethod(),
        ["resourcePath"] = AccessLogField.ContextResourcePath(),
        ["path"] = AccessLogField.ContextPath(),
        ["status"] = AccessLogField.ContextStatus(),
        ["responseLength"] = AccessLogField.ContextResponseLength(),
        ["responseLatency"] = AccessLogField.ContextResponseLatency(),
        ["integrationLatency"] = AccessLogField.ContextIntegrationLatency(),
        ["integrationStatus"] = AccessLogField.ContextIntegrationStatus(),
        ["user"] = AccessLogField.ContextAuthorizerClaims("sub"),
        ["error"] = AccessLogField.ContextErrorMessage(),
    });
}
