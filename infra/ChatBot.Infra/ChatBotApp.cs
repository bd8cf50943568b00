using System.Text.Json;
using Amazon.CDK;

namespace ChatBot.Infra;

/// <summary>
/// Builds the CDK app. Program.cs and the tests both come through here, so tests synthesize exactly what
/// <c>cdk synth</c> does: the same cdk.json context (feature flags, region, zones) with their overrides on top.
/// </summary>
public static class ChatBotApp
{
    /// <summary>
    /// Creates the app and its one stack.
    /// </summary>
    /// <param name="context">Context that overrides cdk.json (tests pass placeholder folders through here).</param>
    /// <param name="outdir">Where to write the cloud assembly; null lets the CDK CLI decide, else cdk.out.</param>
    public static (App App, ChatBotStack Stack) Create(IDictionary<string, object>? context = null, string? outdir = null)
    {
        var root = FindRepositoryRoot();
        var merged = new Dictionary<string, object>();

        // The CDK CLI passes cdk.json's context itself (CDK_CONTEXT_JSON); plain `dotnet run` doesn't, so read it here.
        if (System.Environment.GetEnvironmentVariable("CDK_CONTEXT_JSON") is null && root is not null)
        {
            foreach (var (key, value) in ReadCdkJsonContext(Path.Combine(root, "cdk.json")))
            {
                merged[key] = value;
            }
        }

        foreach (var (key, value) in context ?? new Dictionary<string, object>())
        {
            merged[key] = value;
        }

        var app = new App(new AppProps
        {
            Context = merged,
            Outdir = outdir ?? System.Environment.GetEnvironmentVariable("CDK_OUTDIR") ?? Path.Combine(root ?? ".", "cdk.out"),
        });

        var settings = DeploymentSettings.FromContext(key => app.Node.TryGetContext(key), root ?? Directory.GetCurrentDirectory());
        var stack = new ChatBotStack(app, settings.StackName, new ChatBotStackProps
        {
            Settings = settings,
            Description = $"ChatBot ({settings.Profile.ToString().ToLowerInvariant()} profile): self-hosted LLM chat",
            // Region only: the account stays ${AWS::AccountId}, so synth never needs credentials or lookups.
            Env = new Amazon.CDK.Environment { Region = settings.Region },
        });
        return (app, stack);
    }

    /// <summary>The folder holding cdk.json, searched upward from the working directory, then from this assembly.</summary>
    public static string? FindRepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "cdk.json")))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }

    /// <summary>Reads cdk.json's "context" object as plain .NET values (string, bool, double, object[]).</summary>
    public static Dictionary<string, object> ReadCdkJsonContext(string cdkJsonPath)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(cdkJsonPath));
        var result = new Dictionary<string, object>();
        if (document.RootElement.TryGetProperty("context", out var context))
        {
            foreach (var property in context.EnumerateObject())
            {
                if (ToPlain(property.Value) is { } value)
                {
                    result[property.Name] = value;
                }
            }
        }

        return result;
    }

    private static object? ToPlain(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number => element.GetDouble(),
        JsonValueKind.Array => element.EnumerateArray().Select(ToPlain).Where(v => v is not null).ToArray(),
        JsonValueKind.Object => element.EnumerateObject()
            .Select(p => (p.Name, Value: ToPlain(p.Value)))
            .Where(p => p.Value is not null)
            .ToDictionary(p => p.Name, p => p.Value!),
        _ => null,
    };
}
