using System.Globalization;
using ChatBot.TestKit.Bedrock;

namespace ChatBot.E2E.Tests.Rehearsal;

/// <summary>
/// One synthesis, running: the edge (CloudFront), the identity provider on Cognito's two hosts, the gateway (API Gateway
/// and the Lambda Web Adapter) and the function, wired by the template and reached by their deployed host names
/// through <see cref="Proxy"/>.
/// </summary>
public sealed class RehearsedStack : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _parts = [];

    private RehearsedStack(SynthesizedStack template, AwsEndpoints endpoints)
    {
        Template = template;
        Endpoints = endpoints;
    }

    public SynthesizedStack Template { get; }

    public AwsEndpoints Endpoints { get; }

    public HostProxy Proxy { get; private set; } = null!;

    public Edge Edge { get; private set; } = null!;

    public Gateway Gateway { get; private set; } = null!;

    public LocalOidcProvider Identity { get; private set; } = null!;

    public LambdaFunction Function { get; private set; } = null!;

    /// <summary>The model endpoint the function calls: the Bedrock stand-in, or null with a self-hosted model.</summary>
    public FakeBedrockServer? Bedrock { get; private set; }

    /// <summary>The web app's address, as users open it: <c>https://d….cloudfront.net/</c>.</summary>
    public string SiteUrl => $"https://{Edge.DomainName}/";

    /// <summary>An HTTP client that reaches the deployed host names (the site, the API) as the browser does.</summary>
    public HttpClient Client() => LocalTls.Client(Endpoints);

    public static async Task<RehearsedStack> StartAsync(SynthesizedStack template, StackRehearsal shared)
    {
        var namespaces = template.OfType("AWS::ServiceDiscovery::PrivateDnsNamespace").Values.Select(n => template.Resolve(n["Properties"]!["Name"]));
        var stack = new RehearsedStack(template, new AwsEndpoints(namespaces));
        try
        {
            await stack.StartPartsAsync(shared);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    private async Task StartPartsAsync(StackRehearsal shared)
    {
        var template = Template;

        // Identity: the user pool's issuer and hosted UI domain, with the app client as the template registers it.
        var (poolId, _) = template.One("AWS::Cognito::UserPool");
        var (domainId, _) = template.One("AWS::Cognito::UserPoolDomain");
        var (clientId, client) = template.One("AWS::Cognito::UserPoolClient");
        var units = client["TokenValidityUnits"]?.AsObject();
        TimeSpan Validity(string property, string unit, TimeSpan fallback) => client[property] is { } value
            ? (units?[unit]?.GetValue<string>() ?? "hours") switch
            {
                "seconds" => TimeSpan.FromSeconds(value.GetValue<int>()),
                "minutes" => TimeSpan.FromMinutes(value.GetValue<int>()),
                "days" => TimeSpan.FromDays(value.GetValue<int>()),
                _ => TimeSpan.FromHours(value.GetValue<int>()),
            }
            : fallback;
        if (!template.ResolveList(client["AllowedOAuthFlows"]).Contains("code") || client["GenerateSecret"]?.GetValue<bool>() == true)
        {
            throw new NotSupportedException("The rehearsal signs in as the web app does: a public client with the authorization code grant.");
        }

        var issuer = "https://" + template.Attribute(poolId, "ProviderURL");
        var hostedUi = $"https://{template.Ref(domainId)}.auth.{template.Region}.amazoncognito.com";
        Identity = Track(await LocalOidcProvider.StartCognitoAsync(issuer, hostedUi, new OidcClient(
            template.Ref(clientId),
            template.ResolveList(client["CallbackURLs"]),
            template.ResolveList(client["LogoutURLs"]),
            template.ResolveList(client["AllowedOAuthScopes"]),
            Validity("AccessTokenValidity", "AccessToken", TimeSpan.FromHours(1)),
            Validity("IdTokenValidity", "IdToken", TimeSpan.FromHours(1)))));
        Endpoints.Map(new Uri(issuer).Host, Identity.IssuerListenOrigin);
        Endpoints.Map(new Uri(hostedUi).Host, Identity.HostedUiListenOrigin);

        // The function behind the API, with its peers where the deployed app finds them.
        Gateway = new Gateway(template, Endpoints);
        _parts.Add(Gateway);
        foreach (var functionId in Gateway.Methods.Select(m => m.FunctionLogicalId).Distinct())
        {
            Function = Track(await StartFunctionAsync(functionId, shared));
            Gateway.Functions[functionId] = Function.Address;
        }

        await Gateway.StartAsync();
        Endpoints.Map(Gateway.DomainName, Gateway.Origin);

        Edge = new Edge(template, Endpoints);
        _parts.Add(Edge);
        await Edge.StartAsync();
        Endpoints.Map(Edge.DomainName, Edge.Origin);

        Proxy = Track(new HostProxy(Endpoints));
    }

    /// <summary>
    /// Starts a function with the template's environment. What the deployed app finds without a setting gets one here,
    /// named by its AWS endpoint and mapped: the DynamoDB and Bedrock regional endpoints the SDKs would call. The TLS
    /// Redis stand-in needs its password and CA (ElastiCache Serverless needs neither from the app: no AUTH, a public CA).
    /// </summary>
    private async Task<LambdaFunction> StartFunctionAsync(string logicalId, StackRehearsal shared)
    {
        var environment = LambdaFunction.TemplateEnvironment(Template, logicalId);
        var additions = new Dictionary<string, string>();
        if (environment.GetValueOrDefault("Storage__Provider") == "DynamoDb")
        {
            var dynamoDb = $"dynamodb.{Template.Region}.amazonaws.com";
            Endpoints.Map(dynamoDb, new Uri(shared.Dynalite.ServiceUrl));
            additions["Storage__DynamoDb__ServiceUrl"] = Endpoints.Rewrite("https://" + dynamoDb);
        }

        if (environment.GetValueOrDefault("Llm__Provider") == "Bedrock")
        {
            var region = environment.GetValueOrDefault("Llm__Bedrock__Region", Template.Region);
            Bedrock = await shared.BedrockAsync(region);
            var bedrockHost = $"bedrock-runtime.{region}.amazonaws.com";
            Endpoints.Map(bedrockHost, Bedrock.Endpoint);
            if (!environment.ContainsKey("Llm__Bedrock__Endpoint"))
            {
                additions["Llm__Bedrock__Endpoint"] = Endpoints.Rewrite("https://" + bedrockHost + "/");
            }
        }

        if (environment.TryGetValue("Llm__OpenAI__Endpoint", out var modelEndpoint) && environment.GetValueOrDefault("Llm__Provider") == "OpenAI")
        {
            Endpoints.Map(new Uri(modelEndpoint).Host, new Uri(shared.OpenAI.Endpoint.GetLeftPart(UriPartial.Authority)));
        }

        if (environment.TryGetValue("Cache__Redis__Configuration", out var redis))
        {
            Endpoints.Map(redis.Split(',')[0].Split(':')[0], new Uri($"redis://127.0.0.1:{shared.Redis.Port.ToString(CultureInfo.InvariantCulture)}"));
            additions["Cache__Redis__Configuration"] = Endpoints.Rewrite(redis) + $",password={shared.Redis.Password},sslHost=localhost";
            additions["Cache__Redis__CaCertificatePath"] = shared.Redis.CaCertificatePath!;
        }

        var credentials = FakeBedrockServer.TestCredentials;
        return await LambdaFunction.StartAsync(Template, logicalId, Endpoints, (credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken), additions);
    }

    private T Track<T>(T part)
        where T : IAsyncDisposable
    {
        _parts.Add(part);
        return part;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var part in Enumerable.Reverse(_parts))
        {
            await part.DisposeAsync();
        }
    }
}
