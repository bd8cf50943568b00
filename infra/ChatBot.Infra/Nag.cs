using Amazon.CDK;
using Constructs;

namespace ChatBot.Infra;

/// <summary>One acknowledged cdk-nag finding, with the reason a reviewer can check.</summary>
/// <param name="Id">Rule id, such as <c>AwsSolutions-IAM5</c>.</param>
/// <param name="Reason">Why the finding is acceptable here (cdk-nag requires at least 10 characters).</param>
/// <param name="AppliesTo">For granular rules (IAM4, IAM5): the exact findings, such as <c>Resource::*</c>.</param>
public sealed record NagRule(string Id, string Reason, params string[] AppliesTo);

/// <summary>
/// Writes cdk-nag suppressions as CloudFormation resource metadata (<c>cdk_nag.rules_to_suppress</c>), the format
/// cdk-nag itself writes. The C# cdk-nag package isn't served here, so infra/nag/check.js runs the npm package over
/// the synthesized templates and turns this metadata back into acknowledgments.
/// </summary>
public static class Nag
{
    private const string MetadataKey = "cdk_nag";

    /// <summary>
    /// Suppresses rules on <paramref name="scope"/>'s CloudFormation resource (the construct itself or its default child).
    /// Give all of a resource's rules in one call: a second call would overwrite the first, so it throws.
    /// </summary>
    public static void Suppress(IConstruct scope, params NagRule[] rules)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var resource = scope as CfnResource ?? scope.Node.DefaultChild as CfnResource
            ?? throw new InvalidOperationException($"{scope.Node.Path} has no CloudFormation resource to attach cdk-nag suppressions to.");

        if (resource.GetMetadata(MetadataKey) is not null)
        {
            throw new InvalidOperationException($"{resource.Node.Path} already has cdk-nag suppressions; list all of its rules in one call.");
        }

        foreach (var rule in rules)
        {
            if (rule.Reason.Length < 10)
            {
                throw new ArgumentException($"The reason for {rule.Id} on {resource.Node.Path} is too short to explain anything.", nameof(rules));
            }
        }

        resource.AddMetadata(MetadataKey, new Dictionary<string, object>
        {
            ["rules_to_suppress"] = rules.Select(ToMetadata).ToArray(),
        });
    }

    private static Dictionary<string, object> ToMetadata(NagRule rule)
    {
        var entry = new Dictionary<string, object> { ["id"] = rule.Id, ["reason"] = rule.Reason };
        if (rule.AppliesTo.Length > 0)
        {
            entry["applies_to"] = rule.AppliesTo;
        }

        return entry;
    }
}
