using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ChatBot.Infra;

namespace ChatBot.E2E.Tests.Rehearsal;

/// <summary>
/// One profile's CloudFormation template, synthesized by the CDK app itself, with every intrinsic function resolved as
/// CloudFormation would resolve it at deploy time. Physical ids (pool id, client id, table name, distribution domain)
/// are made up, stable per logical id, and shaped like the real ones. Everything the rehearsal runs is read from here.
/// </summary>
public sealed partial class SynthesizedStack
{
    public const string AccountId = "123456789012";

    private SynthesizedStack(string name, JsonObject template, string outDir, string stackName, string region)
    {
        Name = name;
        Template = template;
        OutDir = outDir;
        StackName = stackName;
        Region = region;
    }

    /// <summary>The rehearsal's name for this synthesis, such as <c>minimal</c> or <c>minimal llm=fargate</c>.</summary>
    public string Name { get; }

    public JsonObject Template { get; }

    /// <summary>The cloud assembly folder: the template and the staged assets (the API package, the web app).</summary>
    public string OutDir { get; }

    public string StackName { get; }

    public string Region { get; }

    public JsonObject Resources => Template[nameof(Resources)]!.AsObject();

    /// <summary>Synthesizes the CDK app with <paramref name="context"/> on top of cdk.json, as <c>cdk synth -c</c> does.</summary>
    public static SynthesizedStack Synthesize(string name, IDictionary<string, object> context, string outDir)
    {
        Environment.SetEnvironmentVariable("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20");
        var (app, stack) = ChatBotApp.Create(context, outDir);
        app.Synth();
        var template = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, stack.TemplateFile)))!.AsObject();
        return new SynthesizedStack(name, template, outDir, stack.StackName, stack.Region);
    }

    /// <summary>Every resource of a CloudFormation type, by logical id.</summary>
    public IReadOnlyDictionary<string, JsonObject> OfType(string type) => Resources
        .Where(r => r.Value!["Type"]!.GetValue<string>() == type)
        .ToDictionary(r => r.Key, r => r.Value!.AsObject());

    public (string LogicalId, JsonObject Properties) One(string type)
    {
        var found = OfType(type);
        return found.Count == 1
            ? (found.Keys.Single(), found.Values.Single()["Properties"]!.AsObject())
            : throw new InvalidOperationException($"The {Name} template has {found.Count} resources of type {type}, where the rehearsal expects one.");
    }

    public JsonObject Properties(string logicalId) => Resources[logicalId]?["Properties"]?.AsObject()
        ?? throw new InvalidOperationException($"The {Name} template has no resource '{logicalId}'.");

    /// <summary>The folder a staged asset was copied to, from the <c>S3Key</c> the template deploys it under.</summary>
    public string AssetFolder(JsonNode? s3Key)
    {
        var key = Resolve(s3Key);
        var folder = Path.Combine(OutDir, "asset." + Path.GetFileNameWithoutExtension(key));
        return Directory.Exists(folder) ? folder : throw new InvalidOperationException($"The asset {key} was not staged as a folder in {OutDir}.");
    }

    /// <summary>A value as deployed: a plain value, or an intrinsic function (Ref, GetAtt, Join, Sub, Select, Split) worked out.</summary>
    public string Resolve(JsonNode? node) => node switch
    {
        null => "",
        JsonValue value => value.ToString(),
        JsonObject o when o["Ref"] is { } reference => Ref(reference.GetValue<string>()),
        JsonObject o when o["Fn::GetAtt"] is { } getAtt => getAtt is JsonArray pair
            ? Attribute(pair[0]!.GetValue<string>(), pair[1]!.GetValue<string>())
            : Attribute(getAtt.GetValue<string>().Split('.', 2)[0], getAtt.GetValue<string>().Split('.', 2)[1]),
        JsonObject o when o["Fn::Join"] is JsonArray join => string.Join(join[0]!.GetValue<string>(), join[1]!.AsArray().Select(Resolve)),
        JsonObject o when o["Fn::Select"] is JsonArray select => ResolveList(select[1])[int.Parse(Resolve(select[0]), System.Globalization.CultureInfo.InvariantCulture)],
        JsonObject o when o["Fn::Sub"] is JsonValue sub => SubPattern().Replace(sub.GetValue<string>(), m => m.Groups[1].Value.Contains('.')
            ? Attribute(m.Groups[1].Value.Split('.', 2)[0], m.Groups[1].Value.Split('.', 2)[1])
            : Ref(m.Groups[1].Value)),
        _ => throw new NotSupportedException($"The rehearsal cannot resolve {node.ToJsonString()} in the {Name} template."),
    };

    public IReadOnlyList<string> ResolveList(JsonNode? node) => node switch
    {
        null => [],
        JsonArray array => array.Select(Resolve).ToList(),
        JsonObject o when o["Fn::Split"] is JsonArray split => Resolve(split[1]).Split(split[0]!.GetValue<string>()),
        _ => [Resolve(node)],
    };

    /// <summary>What <c>Ref</c> returns: a pseudo parameter, or the physical id CloudFormation would have given the resource.</summary>
    public string Ref(string logicalId) => logicalId switch
    {
        "AWS::Region" => Region,
        "AWS::AccountId" => AccountId,
        "AWS::Partition" => "aws",
        "AWS::URLSuffix" => "amazonaws.com",
        "AWS::StackName" => StackName,
        _ => TypeOf(logicalId) switch
        {
            "AWS::Cognito::UserPool" => $"{Region}_{Id(logicalId, 9, mixedCase: true)}",
            "AWS::Cognito::UserPoolClient" => Id(logicalId, 26),
            "AWS::Cognito::UserPoolDomain" => Resolve(Properties(logicalId)["Domain"]),
            "AWS::ApiGateway::RestApi" => Id(logicalId, 10),
            "AWS::ApiGateway::Stage" => Resolve(Properties(logicalId)["StageName"]),
            "AWS::CloudFront::Distribution" => "E" + Id(logicalId, 13).ToUpperInvariant(),
            "AWS::DynamoDB::Table" => Properties(logicalId)["TableName"] is { } name ? Resolve(name) : $"{StackName}-{logicalId}-{Id(logicalId, 12).ToUpperInvariant()}",
            "AWS::Lambda::Function" => Properties(logicalId)["FunctionName"] is { } name ? Resolve(name) : $"{StackName}-{logicalId}-{Id(logicalId, 12)}",
            _ => $"{StackName}-{logicalId}-{Id(logicalId, 12).ToUpperInvariant()}",
        },
    };

    /// <summary>What <c>Fn::GetAtt</c> returns, for the attributes the rehearsal reads.</summary>
    public string Attribute(string logicalId, string attribute) => (TypeOf(logicalId), attribute) switch
    {
        ("AWS::Cognito::UserPool", "Arn") => $"arn:aws:cognito-idp:{Region}:{AccountId}:userpool/{Ref(logicalId)}",
        ("AWS::Cognito::UserPool", "ProviderURL") => $"cognito-idp.{Region}.amazonaws.com/{Ref(logicalId)}",
        ("AWS::CloudFront::Distribution", "DomainName") => $"d{Id(logicalId, 13)}.cloudfront.net",
        ("AWS::ApiGateway::RestApi", "RootResourceId") => Id(logicalId + "/", 10),
        ("AWS::Lambda::Function", "Arn") => $"arn:aws:lambda:{Region}:{AccountId}:function:{Ref(logicalId)}",
        ("AWS::ElastiCache::ServerlessCache", "Endpoint.Address") =>
            $"{Resolve(Properties(logicalId)["ServerlessCacheName"])}-{Id(logicalId, 6)}.serverless.{Region}.cache.amazonaws.com",
        ("AWS::ElastiCache::ServerlessCache", "Endpoint.Port") => "6379",
        // Letters and digits, as Secrets Manager's GetRandomPassword draws them with ExcludePunctuation.
        (_, "RandomPassword") => Id(logicalId, 44, mixedCase: true),
        (_, "Arn") => $"arn:aws:{Service(logicalId)}:{Region}:{AccountId}:{Ref(logicalId)}",
        var (type, _) => throw new NotSupportedException($"The rehearsal does not know what {type} {logicalId}.{attribute} is once deployed."),
    };

    private string TypeOf(string logicalId) =>
        Resources[logicalId]?["Type"]?.GetValue<string>() ?? throw new InvalidOperationException($"The {Name} template has no resource '{logicalId}'.");

    private string Service(string logicalId) => TypeOf(logicalId).Split("::")[1].ToLowerInvariant();

    /// <summary>A stable made-up id: letters and digits drawn from the stack, the logical id and the length.</summary>
    private string Id(string logicalId, int length, bool mixedCase = false)
    {
        var alphabet = mixedCase ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" : "abcdefghijklmnopqrstuvwxyz0123456789";
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes($"{Name}/{logicalId}/{length}"));
        var id = new StringBuilder(length);
        for (var i = 0; id.Length < length; i++)
        {
            id.Append(alphabet[(bytes[i % bytes.Length] + (i / bytes.Length * 7)) % alphabet.Length]);
        }

        return id.ToString();
    }

    [GeneratedRegex(@"\$\{([^}!]+)\}")]
    private static partial Regex SubPattern();
}
