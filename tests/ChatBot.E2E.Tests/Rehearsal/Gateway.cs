using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChatBot.E2E.Tests.Rehearsal;

/// <summary>
/// What API Gateway (REST, one stage) and the Lambda Web Adapter do with the template's API: route by the resources
/// and methods, run each method's Cognito user pool authorizer as configured (identity source, and which token it takes:
/// with authorization scopes an access token carrying one of them, without scopes an ID token of one of the pool's
/// clients), answer refusals with the API's gateway responses, and hand the request to the function with the request
/// context in the <c>x-amzn-request-context</c> header, streaming the answer back. Not rehearsed: throttling and the
/// authorizer's result cache.
/// </summary>
public sealed class Gateway : IAsyncDisposable
{
    private readonly SynthesizedStack _stack;
    private readonly HttpClient _http;
    private readonly string _stage;
    private readonly string _apiId;
    private readonly List<Method> _methods;
    private readonly Dictionary<string, string> _poolIssuers;
    private readonly HashSet<string> _poolClients;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Task<JsonWebKeySet>> _keys = new();
    private WebApplication? _app;

    public sealed record Method(
        string ResourcePath, Regex Path, string HttpMethod, string AuthorizationType, string? AuthorizerId, IReadOnlyList<string> Scopes, bool ApiKeyRequired,
        string FunctionLogicalId);

    public Gateway(SynthesizedStack stack, AwsEndpoints endpoints)
    {
        _stack = stack;
        _http = LocalTls.Client(endpoints);
        var (apiLogicalId, _) = stack.One("AWS::ApiGateway::RestApi");
        _apiId = stack.Ref(apiLogicalId);
        _stage = stack.Resolve(stack.One("AWS::ApiGateway::Stage").Properties["StageName"]);

        var resources = stack.OfType("AWS::ApiGateway::Resource");
        string PathOf(JsonNode? id) => id?["Ref"]?.GetValue<string>() is { } parent && resources.TryGetValue(parent, out var resource)
            ? PathOf(resource["Properties"]!["ParentId"]).TrimEnd('/') + "/" + resource["Properties"]!["PathPart"]!.GetValue<string>()
            : "/";

        _methods = [.. stack.OfType("AWS::ApiGateway::Method").Values.Select(m => m["Properties"]!.AsObject()).Select(p =>
        {
            var resourcePath = PathOf(p["ResourceId"]);
            var functionArn = p["Integration"]!["Uri"]!["Fn::Join"]![1]!.AsArray().Single(part => part is JsonObject o && o["Fn::GetAtt"] is not null)!;
            return new Method(
                resourcePath,
                PathPattern(resourcePath),
                p["HttpMethod"]!.GetValue<string>(),
                p["AuthorizationType"]!.GetValue<string>(),
                p["AuthorizerId"]?["Ref"]?.GetValue<string>(),
                stack.ResolveList(p["AuthorizationScopes"]),
                p["ApiKeyRequired"]?.GetValue<bool>() == true,
                functionArn["Fn::GetAtt"]![0]!.GetValue<string>());
        })];

        // A Cognito authorizer trusts tokens its pools issued: https://cognito-idp.{region}.amazonaws.com/{pool id}.
        _poolIssuers = stack.OfType("AWS::ApiGateway::Authorizer").ToDictionary(
            a => a.Key,
            a => stack.ResolveList(a.Value["Properties"]!["ProviderARNs"]).Single() is var arn && arn.Split(':') is var parts
                ? $"https://cognito-idp.{parts[3]}.amazonaws.com/{parts[5]["userpool/".Length..]}"
                : throw new InvalidOperationException());
        _poolClients = [.. stack.OfType("AWS::Cognito::UserPoolClient").Keys.Select(stack.Ref)];

        // API keys that a usage plan of this stage accepts.
        var stageKeys = stack.OfType("AWS::ApiGateway::UsagePlanKey").Values.Select(k => k["Properties"]!["KeyId"]!["Ref"]!.GetValue<string>());
        _apiKeys = [.. stageKeys.Select(key => stack.Resolve(stack.Properties(key)["Value"]))];
    }

    private readonly HashSet<string> _apiKeys;

    public IReadOnlyList<Method> Methods => _methods;

    /// <summary>The API's default execute-api host, which CloudFront's API origin names.</summary>
    public string DomainName => $"{_apiId}.execute-api.{_stack.Region}.amazonaws.com";

    public Uri Origin { get; private set; } = null!;

    /// <summary>Where each function listens (the Lambda Web Adapter's port inside its sandbox), by logical id.</summary>
    public Dictionary<string, Uri> Functions { get; } = [];

    public async Task StartAsync()
    {
        (_app, Origin) = await LocalTls.StartAsync(app => app.Run(HandleAsync));
    }

    private async Task HandleAsync(HttpContext context)
    {
        var requestId = Guid.NewGuid().ToString();
        var path = context.Request.Path.Value ?? "/";
        var stagePrefix = "/" + _stage;
        var resourcePath = path.StartsWith(stagePrefix + "/", StringComparison.Ordinal) ? path[stagePrefix.Length..] : null;
        var method = resourcePath is null ? null : _methods.FirstOrDefault(m =>
            m.Path.IsMatch(resourcePath) && (m.HttpMethod == "ANY" || m.HttpMethod == context.Request.Method));
        if (method is null)
        {
            await GatewayResponseAsync(context, "MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token", requestId);
            return;
        }

        if (method.ApiKeyRequired && !_apiKeys.Contains(context.Request.Headers["x-api-key"].ToString()))
        {
            await GatewayResponseAsync(context, "INVALID_API_KEY", "Forbidden", requestId);
            return;
        }

        Dictionary<string, string>? claims = null;
        if (method.AuthorizationType == "COGNITO_USER_POOLS")
        {
            claims = await AuthorizeAsync(context, method);
            if (claims is null)
            {
                await GatewayResponseAsync(context, "UNAUTHORIZED", "Unauthorized", requestId);
                return;
            }
        }
        else if (method.AuthorizationType != "NONE")
        {
            throw new NotSupportedException($"The rehearsal runs Cognito user pool authorizers, not {method.AuthorizationType}.");
        }

        var function = Functions.GetValueOrDefault(method.FunctionLogicalId)
            ?? throw new InvalidOperationException($"The function {method.FunctionLogicalId} that {method.HttpMethod} {method.ResourcePath} invokes is not running.");
        var target = new Uri(function, resourcePath + context.Request.QueryString);
        await Forwarding.ForwardAsync(context, _http, target, new Dictionary<string, string>
        {
            // The adapter sets these itself, replacing any header of the same name the client sent.
            ["x-amzn-request-context"] = RequestContext(context, method, path, requestId, claims),
            ["x-amzn-lambda-context"] = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["request_id"] = requestId,
                ["invoked_function_arn"] = _stack.Attribute(method.FunctionLogicalId, "Arn"),
            }),
            ["X-Forwarded-Proto"] = "https",
            ["X-Amzn-Trace-Id"] = $"Root=1-{DateTimeOffset.UtcNow.ToUnixTimeSeconds():x8}-{requestId.Replace("-", "", StringComparison.Ordinal)[..24]}",
        });
    }

    /// <summary>
    /// The Cognito user pool authorizer: the identity source header holds the token (API Gateway also takes a
    /// "Bearer " prefix); its signature, issuer (the pool) and expiry must hold; then, with authorization scopes, it
    /// must be an access token with one of them, and without, an ID token for one of the pool's app clients.
    /// Returns the claims API Gateway passes on, or null for 401.
    /// </summary>
    private async Task<Dictionary<string, string>?> AuthorizeAsync(HttpContext context, Method method)
    {
        var authorizer = _stack.Properties(method.AuthorizerId!);
        var source = _stack.Resolve(authorizer["IdentitySource"]);
        const string headerSource = "method.request.header.";
        if (!source.StartsWith(headerSource, StringComparison.Ordinal))
        {
            throw new NotSupportedException($"The rehearsal reads identity from a header, not '{source}'.");
        }

        var token = context.Request.Headers[source[headerSource.Length..]].ToString();
        if (token.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = token["Bearer ".Length..];
        }

        if (token.Length == 0)
        {
            return null;
        }

        var issuer = _poolIssuers[method.AuthorizerId!];
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = issuer,
            ValidateAudience = false,
            ClockSkew = TimeSpan.Zero,
            IssuerSigningKeys = (await KeysAsync(issuer)).GetSigningKeys(),
        });
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            return null;
        }

        var tokenUse = jwt.TryGetPayloadValue<string>("token_use", out var use) ? use : null;
        var accepted = method.Scopes.Count > 0
            ? tokenUse == "access" && jwt.TryGetPayloadValue<string>("scope", out var scope) && scope.Split(' ').Intersect(method.Scopes).Any()
            : tokenUse == "id" && jwt.Audiences.Any(_poolClients.Contains);
        if (!accepted)
        {
            return null;
        }

        // REST API passes every claim as a string, and exp and iat as dates.
        return jwt.Claims.GroupBy(c => c.Type).ToDictionary(g => g.Key, g => g.Key is "exp" or "iat"
            ? DateTimeOffset.FromUnixTimeSeconds(long.Parse(g.First().Value, CultureInfo.InvariantCulture)).ToString("ddd MMM dd HH:mm:ss 'UTC' yyyy", CultureInfo.InvariantCulture)
            : string.Join(',', g.Select(c => c.Value)));
    }

    /// <summary>The pool's signing keys, fetched once from the issuer, as the authorizer caches them.</summary>
    private Task<JsonWebKeySet> KeysAsync(string issuer) =>
        _keys.GetOrAdd(issuer, async url => new JsonWebKeySet(await _http.GetStringAsync(url + "/.well-known/jwks.json")));

    /// <summary>
    /// The REST API proxy event's requestContext, as the Lambda Web Adapter serializes it into the header
    /// (aws_lambda_events' ApiGatewayProxyRequestContext: camelCase, the Cognito claims under authorizer.claims).
    /// </summary>
    private string RequestContext(HttpContext context, Method method, string path, string requestId, Dictionary<string, string>? claims)
    {
        var now = DateTimeOffset.UtcNow;
        var requestContext = new JsonObject
        {
            ["accountId"] = SynthesizedStack.AccountId,
            ["resourceId"] = method.ResourcePath,
            ["stage"] = _stage,
            ["domainName"] = DomainName,
            ["domainPrefix"] = _apiId,
            ["requestId"] = requestId,
            ["protocol"] = "HTTP/1.1",
            ["identity"] = new JsonObject
            {
                ["sourceIp"] = context.Request.Headers["X-Forwarded-For"].ToString() is { Length: > 0 } ip ? ip : "127.0.0.1",
                ["userAgent"] = context.Request.Headers.UserAgent.ToString(),
            },
            ["resourcePath"] = method.ResourcePath,
            ["path"] = path,
            ["httpMethod"] = context.Request.Method,
            ["requestTime"] = now.ToString("dd/MMM/yyyy:HH:mm:ss +0000", CultureInfo.InvariantCulture),
            ["requestTimeEpoch"] = now.ToUnixTimeMilliseconds(),
            ["apiId"] = _apiId,
        };
        if (claims is not null)
        {
            requestContext["authorizer"] = new JsonObject { ["claims"] = JsonSerializer.SerializeToNode(claims) };
        }

        return requestContext.ToJsonString();
    }

    /// <summary>The API's gateway response for <paramref name="type"/>, its template filled in as API Gateway does.</summary>
    private async Task GatewayResponseAsync(HttpContext context, string type, string message, string requestId)
    {
        var responses = _stack.OfType("AWS::ApiGateway::GatewayResponse").Values.Select(r => r["Properties"]!.AsObject()).ToList();
        var response = responses.FirstOrDefault(r => r["ResponseType"]!.GetValue<string>() == type)
            ?? responses.FirstOrDefault(r => r["ResponseType"]!.GetValue<string>() == "DEFAULT_4XX");
        // Each type's own status, which a DEFAULT_4XX response without a StatusCode keeps.
        var status = type == "UNAUTHORIZED" ? 401 : 403;
        if (response is null)
        {
            context.Response.StatusCode = status;
            await context.Response.WriteAsJsonAsync(new { message });
            return;
        }

        context.Response.StatusCode = response["StatusCode"] is { } code ? int.Parse(_stack.Resolve(code), CultureInfo.InvariantCulture) : status;
        foreach (var (key, value) in response["ResponseParameters"]?.AsObject() ?? [])
        {
            context.Response.Headers[key["gatewayresponse.header.".Length..]] = _stack.Resolve(value).Trim('\'');
        }

        var template = _stack.Resolve(response["ResponseTemplates"]!["application/json"]);
        await context.Response.WriteAsync(template
            .Replace("$context.error.messageString", JsonSerializer.Serialize(message), StringComparison.Ordinal)
            .Replace("$context.requestId", requestId, StringComparison.Ordinal));
    }

    /// <summary>A resource path as a regex: <c>{name}</c> is one segment, <c>{name+}</c> the rest of the path.</summary>
    private static Regex PathPattern(string resourcePath) => new("^" + string.Concat(resourcePath.Split('/').Skip(1).Select(segment =>
        "/" + (segment.EndsWith("+}", StringComparison.Ordinal) ? ".+" : segment.StartsWith('{') ? "[^/]+" : Regex.Escape(segment)))) + "$");

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _http.Dispose();
    }
}
