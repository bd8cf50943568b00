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
/// <c>x-amzn-request-context</c> header (see docs/decisions/0005-identity-from-api-gateway.md).
/// Every integration streams (REST API response streaming), so tokens reach the browser as they are generated.
/// </summary>
public sealed class ChatApi : Construct
{
    public const string StageName = "prod";

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
        });
        ProxyMethod = api.AddResource("{proxy+}").AddMethod("ANY", integration, new MethodOptions
        {
            AuthorizationType = AuthorizationType.COGNITO,
            Authorizer = Authorizer,
            AuthorizationScopes = [UserDirectory.ApiScope],
        });

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
                "No WAF (from ~$6/month): the stage is throttled, every data route needs a Cognito token, and CloudFront is the public entry."));
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
