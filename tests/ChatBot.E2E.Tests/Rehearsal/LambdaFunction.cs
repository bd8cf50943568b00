using System.Globalization;
using System.Runtime.InteropServices;
using ChatBot.TestKit.LocalServers;

namespace ChatBot.E2E.Tests.Rehearsal;

/// <summary>
/// What Lambda does with the template's function: run the staged code asset's handler (the apphost the Lambda Web
/// Adapter's exec wrapper starts) in a clean environment made of the function's variables and the ones Lambda itself
/// sets, then wait for the adapter's readiness path. Endpoints in the environment go through <see cref="AwsEndpoints"/>.
/// One difference, because this machine is shared: the sandbox's port (ASPNETCORE_URLS, AWS_LWA_PORT) is a free one.
/// </summary>
public sealed class LambdaFunction : IAsyncDisposable
{
    private readonly LocalServerProcess _process;

    private LambdaFunction(LocalServerProcess process, Uri address, IReadOnlyDictionary<string, string> environment)
    {
        _process = process;
        Address = address;
        Environment = environment;
    }

    /// <summary>Where the app listens: the adapter forwards each invocation here.</summary>
    public Uri Address { get; }

    /// <summary>The process's whole environment.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    public string RecentOutput => _process.RecentOutput;

    /// <summary>The function's own variables from the template, resolved as deployed, before any mapping.</summary>
    public static Dictionary<string, string> TemplateEnvironment(SynthesizedStack stack, string logicalId) =>
        (stack.Properties(logicalId)[nameof(Environment)]?["Variables"]?.AsObject() ?? [])
            .ToDictionary(v => v.Key, v => stack.Resolve(v.Value));

    /// <param name="roleCredentials">The execution role's credentials, which Lambda puts in the environment.</param>
    /// <param name="additions">Settings for what the deployed app finds on its own (an SDK's regional endpoint, a peer's trust), already mapped.</param>
    public static async Task<LambdaFunction> StartAsync(
        SynthesizedStack stack, string logicalId, AwsEndpoints endpoints, (string AccessKeyId, string SecretAccessKey, string? SessionToken) roleCredentials,
        IReadOnlyDictionary<string, string> additions)
    {
        var properties = stack.Properties(logicalId);
        var package = stack.AssetFolder(properties["Code"]!["S3Key"]);
        var handler = stack.Resolve(properties["Handler"]);
        var name = stack.Ref(logicalId);
        var port = LocalServerProcess.FreeTcpPort().ToString(CultureInfo.InvariantCulture);

        var environment = TemplateEnvironment(stack, logicalId).ToDictionary(v => v.Key, v => endpoints.Rewrite(v.Value));
        var adapterPort = environment.GetValueOrDefault("AWS_LWA_PORT", "8080");
        environment["AWS_LWA_PORT"] = port;
        if (environment.TryGetValue("ASPNETCORE_URLS", out var urls))
        {
            environment["ASPNETCORE_URLS"] = urls.Replace(":" + adapterPort, ":" + port, StringComparison.Ordinal);
        }

        // What the Lambda service sets for every function (see "Defined runtime environment variables" in the Lambda guide).
        environment["AWS_LAMBDA_FUNCTION_NAME"] = name;
        environment["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST";
        environment["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = stack.Resolve(properties["MemorySize"] ?? System.Text.Json.Nodes.JsonValue.Create(128));
        environment["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/" + name;
        environment["AWS_LAMBDA_LOG_STREAM_NAME"] = "rehearsal";
        environment["AWS_LAMBDA_LOG_FORMAT"] = properties["LoggingConfig"]?["LogFormat"]?.GetValue<string>() ?? "Text";
        environment["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:9001";
        environment["AWS_EXECUTION_ENV"] = "AWS_Lambda_" + stack.Resolve(properties["Runtime"]);
        environment["AWS_REGION"] = stack.Region;
        environment["AWS_DEFAULT_REGION"] = stack.Region;
        environment["AWS_ACCESS_KEY_ID"] = roleCredentials.AccessKeyId;
        environment["AWS_SECRET_ACCESS_KEY"] = roleCredentials.SecretAccessKey;
        if (roleCredentials.SessionToken is { } sessionToken)
        {
            environment["AWS_SESSION_TOKEN"] = sessionToken;
        }

        environment["LAMBDA_TASK_ROOT"] = package;
        environment["_HANDLER"] = handler;
        environment["TZ"] = ":UTC";
        environment["LANG"] = "en_US.UTF-8";
        environment["PATH"] = System.Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin";
        // The managed runtime points DOTNET_ROOT at its .NET; here, the one running the tests.
        environment["DOTNET_ROOT"] = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        foreach (var (key, value) in additions)
        {
            environment[key] = value;
        }

        var process = LocalServerProcess.Start("the function " + logicalId, Path.Combine(package, handler), [], package, environment);
        var address = new Uri($"http://127.0.0.1:{port}");
        var readiness = environment.GetValueOrDefault("AWS_LWA_READINESS_CHECK_PATH", "/");
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        // As the adapter checks readiness: any answer below 500 means the app is up.
        await process.WaitUntilReadyAsync(async ct =>
        {
            try
            {
                return (int)(await probe.GetAsync(new Uri(address, readiness), ct)).StatusCode < 500;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60));
        return new LambdaFunction(process, address, environment);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
