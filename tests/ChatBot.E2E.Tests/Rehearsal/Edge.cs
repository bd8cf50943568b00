using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;

namespace ChatBot.E2E.Tests.Rehearsal;

/// <summary>
/// What CloudFront does with the template's distribution: the behaviours in order (path patterns, then the default),
/// the viewer-request function, the default root object, the S3 origin holding exactly what the bucket deployment
/// uploads (the built web app and the generated config.json), the API origin with its origin path, and the response
/// headers policy on every response, header for header. Not rehearsed: caching and compression (no behaviour depends on them).
/// </summary>
public sealed class Edge : IAsyncDisposable
{
    /// <summary>Managed origin request policy: every viewer header, cookie and query string except Host.</summary>
    private const string AllViewerExceptHostHeader = "b689b0a8-53d0-40ab-baf2-68738e2966ac";

    private readonly SynthesizedStack _stack;
    private readonly HttpClient _origins;
    private readonly List<Behavior> _behaviors;
    private readonly Dictionary<string, SiteObject> _bucket;
    private readonly string? _defaultRootObject;
    private readonly Dictionary<string, CloudFrontFunction> _functions = [];
    private WebApplication? _app;

    private sealed record Behavior(Regex? Path, string? Pattern, JsonObject Origin, JsonObject Config);

    private sealed record SiteObject(byte[] Content, string ContentType, string? CacheControl);

    public Edge(SynthesizedStack stack, AwsEndpoints endpoints)
    {
        _stack = stack;
        _origins = LocalTls.Client(endpoints);
        var (_, distribution) = stack.One("AWS::CloudFront::Distribution");
        var config = distribution["DistributionConfig"]!.AsObject();
        var origins = config["Origins"]!.AsArray().Select(o => o!.AsObject()).ToDictionary(o => stack.Resolve(o["Id"]));
        JsonObject OriginOf(JsonNode behavior) => origins[stack.Resolve(behavior["TargetOriginId"])];

        _behaviors = [.. (config["CacheBehaviors"]?.AsArray() ?? []).Select(b => new Behavior(
            Glob(b!["PathPattern"]!.GetValue<string>()), b["PathPattern"]!.GetValue<string>(), OriginOf(b), b.AsObject()))];
        _behaviors.Add(new Behavior(null, null, OriginOf(config["DefaultCacheBehavior"]!), config["DefaultCacheBehavior"]!.AsObject()));
        _defaultRootObject = config["DefaultRootObject"]?.GetValue<string>();
        _bucket = DeployedObjects(stack);
    }

    /// <summary>The distribution's public name, as the app client's callback URLs and the browser know it.</summary>
    public string DomainName => _stack.Attribute(_stack.One("AWS::CloudFront::Distribution").LogicalId, "DomainName");

    public Uri Origin { get; private set; } = null!;

    /// <summary>The behaviours' path patterns, in the order CloudFront tries them (the default last, as null).</summary>
    public IReadOnlyList<string?> PathPatterns => [.. _behaviors.Select(b => b.Pattern)];

    public async Task StartAsync()
    {
        (_app, Origin) = await LocalTls.StartAsync(app => app.Run(HandleAsync));
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        var behavior = _behaviors.First(b => b.Path is null || b.Path.IsMatch(path));
        var headers = ResponseHeaders(behavior.Config["ResponseHeadersPolicyId"]);
        context.Response.OnStarting(() =>
        {
            foreach (var (name, value, overrides) in headers)
            {
                if (overrides || !context.Response.Headers.ContainsKey(name))
                {
                    context.Response.Headers[name] = value;
                }
            }

            return Task.CompletedTask;
        });

        if (behavior.Origin["S3OriginConfig"] is not null)
        {
            await ServeFromBucketAsync(context, behavior, path);
        }
        else
        {
            await ForwardToCustomOriginAsync(context, behavior, path);
        }
    }

    private async Task ServeFromBucketAsync(HttpContext context, Behavior behavior, string path)
    {
        var uri = path;
        foreach (var association in behavior.Config["FunctionAssociations"]?.AsArray() ?? [])
        {
            if (association!["EventType"]!.GetValue<string>() == "viewer-request")
            {
                var function = Function(association["FunctionARN"]!);
                uri = await function.ViewerRequestAsync(context.Request.Method, uri, context.Request.Query.Select(q => KeyValuePair.Create(q.Key, q.Value.ToString())));
            }
        }

        if (uri == "/" && _defaultRootObject is not null)
        {
            uri = "/" + _defaultRootObject;
        }

        // Through Origin Access Control the bucket allows s3:GetObject only: a missing key is 403, as S3 answers without ListBucket.
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) || !_bucket.TryGetValue(uri.TrimStart('/'), out var found))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            context.Response.ContentType = "application/xml";
            await context.Response.WriteAsync("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>");
            return;
        }

        context.Response.ContentType = found.ContentType;
        if (found.CacheControl is not null)
        {
            context.Response.Headers.CacheControl = found.CacheControl;
        }

        context.Response.ContentLength = found.Content.Length;
        if (HttpMethods.IsGet(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(found.Content);
        }
    }

    private Task ForwardToCustomOriginAsync(HttpContext context, Behavior behavior, string path)
    {
        var policy = _stack.Resolve(behavior.Config["OriginRequestPolicyId"]);
        if (policy != AllViewerExceptHostHeader)
        {
            throw new NotSupportedException($"The rehearsal knows the managed AllViewerExceptHostHeader origin request policy, not '{policy}'.");
        }

        var domain = _stack.Resolve(behavior.Origin[nameof(DomainName)]);
        var originPath = _stack.Resolve(behavior.Origin["OriginPath"]);
        var target = new Uri($"https://{domain}{originPath}{path}{context.Request.QueryString}");
        var added = new Dictionary<string, string>
        {
            ["X-Forwarded-For"] = context.Connection.RemoteIpAddress?.ToString() ?? "127.0.0.1",
            ["Via"] = "2.0 rehearsal.cloudfront.net (CloudFront)",
        };
        // The origin's custom headers replace any the viewer sent under the same name.
        foreach (var header in behavior.Origin["OriginCustomHeaders"]?.AsArray() ?? [])
        {
            added[_stack.Resolve(header!["HeaderName"])] = _stack.Resolve(header["HeaderValue"]);
        }

        // Host is never passed on (it is hop-by-hop here), which is what this policy adds to passing everything.
        return Forwarding.ForwardAsync(context, _origins, target, added);
    }

    /// <summary>The response headers policy's headers: (name, value, override), from its security and custom headers.</summary>
    private List<(string Name, string Value, bool Override)> ResponseHeaders(JsonNode? policyId)
    {
        if (policyId is null)
        {
            return [];
        }

        var reference = policyId["Ref"]?.GetValue<string>() ?? throw new NotSupportedException("The rehearsal reads response headers policies defined in the template only.");
        var config = _stack.Properties(reference)["ResponseHeadersPolicyConfig"]!.AsObject();
        var headers = new List<(string, string, bool)>();
        foreach (var (key, value) in config["SecurityHeadersConfig"]?.AsObject() ?? [])
        {
            var setting = value!.AsObject();
            var overrides = setting["Override"]!.GetValue<bool>();
            headers.Add(key switch
            {
                "ContentSecurityPolicy" => ("Content-Security-Policy", _stack.Resolve(setting["ContentSecurityPolicy"]), overrides),
                "ContentTypeOptions" => ("X-Content-Type-Options", "nosniff", overrides),
                "FrameOptions" => ("X-Frame-Options", _stack.Resolve(setting["FrameOption"]), overrides),
                "ReferrerPolicy" => ("Referrer-Policy", _stack.Resolve(setting["ReferrerPolicy"]), overrides),
                "StrictTransportSecurity" => ("Strict-Transport-Security",
                    $"max-age={_stack.Resolve(setting["AccessControlMaxAgeSec"])}"
                    + (setting["IncludeSubdomains"]?.GetValue<bool>() == true ? "; includeSubDomains" : "")
                    + (setting["Preload"]?.GetValue<bool>() == true ? "; preload" : ""), overrides),
                "XSSProtection" => ("X-XSS-Protection",
                    setting["Protection"]!.GetValue<bool>() ? "1" + (setting["ModeBlock"]?.GetValue<bool>() == true ? "; mode=block" : "") : "0", overrides),
                _ => throw new NotSupportedException($"The rehearsal does not know the security header setting '{key}' yet."),
            });
        }

        foreach (var item in config["CustomHeadersConfig"]?["Items"]?.AsArray() ?? [])
        {
            headers.Add((_stack.Resolve(item!["Header"]), _stack.Resolve(item["Value"]), item["Override"]!.GetValue<bool>()));
        }

        if (config["CorsConfig"] is not null || config["RemoveHeadersConfig"] is not null || config["ServerTimingHeadersConfig"] is not null)
        {
            throw new NotSupportedException("The response headers policy uses CORS, header removal or Server-Timing, which the rehearsal does not apply yet.");
        }

        return headers;
    }

    private CloudFrontFunction Function(JsonNode functionArn)
    {
        var logicalId = functionArn["Fn::GetAtt"]![0]!.GetValue<string>();
        lock (_functions)
        {
            if (!_functions.TryGetValue(logicalId, out var function))
            {
                function = new CloudFrontFunction(_stack.Resolve(_stack.Properties(logicalId)["FunctionCode"]));
                _functions[logicalId] = function;
            }

            return function;
        }
    }

    /// <summary>
    /// The bucket's objects after the deployment: each source's staged files, with the deploy-time markers in them
    /// replaced by their values (config.json's pool, client and domain), and the system metadata the deployment sets.
    /// </summary>
    private static Dictionary<string, SiteObject> DeployedObjects(SynthesizedStack stack)
    {
        var (_, deployment) = stack.One("Custom::CDKBucketDeployment");
        var keys = deployment["SourceObjectKeys"]!.AsArray();
        var markers = deployment["SourceMarkers"]?.AsArray();
        var cacheControl = deployment["SystemMetadata"]?["cache-control"]?.GetValue<string>();
        var types = new FileExtensionContentTypeProvider();
        var objects = new Dictionary<string, SiteObject>(StringComparer.Ordinal);
        for (var i = 0; i < keys.Count; i++)
        {
            var folder = stack.AssetFolder(keys[i]);
            var replacements = (markers?[i]?.AsObject() ?? []).Select(m => (m.Key, Value: stack.Resolve(m.Value))).ToList();
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
            {
                var key = Path.GetRelativePath(folder, file).Replace(Path.DirectorySeparatorChar, '/');
                var content = File.ReadAllBytes(file);
                if (replacements.Count > 0)
                {
                    var text = replacements.Aggregate(Encoding.UTF8.GetString(content), (current, r) => current.Replace(r.Key, r.Value, StringComparison.Ordinal));
                    content = Encoding.UTF8.GetBytes(text);
                }

                objects[key] = new SiteObject(content, types.TryGetContentType(key, out var type) ? type : "application/octet-stream", cacheControl);
            }
        }

        return objects;
    }

    /// <summary>A CloudFront path pattern (case-sensitive; <c>*</c> any characters, <c>?</c> one) as a regex.</summary>
    private static Regex Glob(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$");

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        foreach (var function in _functions.Values)
        {
            await function.DisposeAsync();
        }

        _origins.Dispose();
    }
}
