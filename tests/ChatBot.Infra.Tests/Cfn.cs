using System.Text.Json.Nodes;

namespace ChatBot.Infra.Tests;

/// <summary>Renders CloudFormation values as readable strings, so tests can compare exact ARNs and settings.</summary>
public static class Cfn
{
    /// <summary>
    /// <c>{"Fn::Join": ["", [...]]}</c> becomes the joined text, <c>{"Ref": "X"}</c> becomes <c>${X}</c>,
    /// <c>{"Fn::GetAtt": ["X", "Arn"]}</c> becomes <c>${X.Arn}</c>; plain values are their text.
    /// </summary>
    public static string Render(JsonNode? node) => node switch
    {
        null => "",
        JsonValue value => value.ToString(),
        JsonObject o when o["Ref"] is { } reference => "${" + reference.GetValue<string>() + "}",
        JsonObject o when o["Fn::GetAtt"] is JsonArray getAtt => "${" + getAtt[0]!.GetValue<string>() + "." + getAtt[1]!.GetValue<string>() + "}",
        JsonObject o when o["Fn::Join"] is JsonArray join =>
            string.Join(join[0]!.GetValue<string>(), join[1]!.AsArray().Select(Render)),
        JsonObject o when o["Fn::Sub"] is { } sub => sub.ToString(),
        _ => node.ToJsonString(),
    };

    /// <summary>A value that may be one item or a list, as a list of rendered strings (IAM Action and Resource).</summary>
    public static IReadOnlyList<string> RenderList(JsonNode? node) => node switch
    {
        null => [],
        JsonArray array => array.Select(Render).ToList(),
        _ => [Render(node)],
    };

    /// <summary>All IAM statements of every AWS::IAM::Policy attached to the given role.</summary>
    public static IReadOnlyList<JsonObject> StatementsForRole(Synthesis synthesis, string roleLogicalId) => synthesis
        .OfType("AWS::IAM::Policy").Values
        .Where(p => p["Properties"]!["Roles"]!.AsArray().Any(r => Render(r) == "${" + roleLogicalId + "}"))
        .SelectMany(p => p["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray().Select(s => s!.AsObject()))
        .ToList();

    /// <summary>The logical id a construct's CloudFormation resource got.</summary>
    public static string LogicalId(Amazon.CDK.Stack stack, Constructs.IConstruct construct)
    {
        var current = construct;
        while (current is not Amazon.CDK.CfnElement)
        {
            current = current.Node.DefaultChild ?? throw new ArgumentException($"{construct.Node.Path} has no CloudFormation element.");
        }

        return stack.GetLogicalId((Amazon.CDK.CfnElement)current);
    }
}
