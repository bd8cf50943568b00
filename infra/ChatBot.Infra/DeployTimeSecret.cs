using Amazon.CDK.AWS.IAM;
using Amazon.CDK.CustomResources;
using Constructs;

namespace ChatBot.Infra;

/// <summary>
/// A random value drawn once at deploy time by CDK's AwsCustomResource provider (a zip asset, no Docker) calling Secrets
/// Manager's GetRandomPassword, which stores nothing and costs nothing. The template holds only a reference to it.
/// <para>
/// The same call runs on update, because an update without a call returns no value; so the value is redrawn only when
/// the resource's own properties change (say, with a CDK upgrade), and whatever uses it must tolerate a redraw.
/// </para>
/// </summary>
public static class DeployTimeSecret
{
    /// <summary>Letters and digits only (a subset of base64, so a drawn key is its own base64 text).</summary>
    /// <param name="scope">Where the custom resource goes.</param>
    /// <param name="id">The construct id.</param>
    /// <param name="resourceType">The <c>Custom::</c> type name shown in CloudFormation.</param>
    /// <param name="physicalId">The resource's physical id; changing it draws a new value.</param>
    /// <param name="length">Characters to draw (about 5.95 bits each).</param>
    public static AwsCustomResource Draw(Construct scope, string id, string resourceType, string physicalId, int length)
    {
        var draw = new AwsSdkCall
        {
            Service = "SecretsManager",
            Action = "getRandomPassword",
            Parameters = new Dictionary<string, object>
            {
                ["PasswordLength"] = length,
                ["ExcludePunctuation"] = true,
                ["IncludeSpace"] = false,
            },
            PhysicalResourceId = PhysicalResourceId.Of(physicalId),
            OutputPaths = ["RandomPassword"],
            // Keep the value out of the provider function's logs.
            Logging = Logging.WithDataHidden(),
        };

        var secret = new AwsCustomResource(scope, id, new AwsCustomResourceProps
        {
            ResourceType = resourceType,
            OnCreate = draw,
            OnUpdate = draw,
            Policy = AwsCustomResourcePolicy.FromStatements(
            [
                // secretsmanager:GetRandomPassword supports no resource-level permissions: "*" is the only valid resource.
                new PolicyStatement(new PolicyStatementProps { Actions = ["secretsmanager:GetRandomPassword"], Resources = ["*"] }),
            ]),
            InstallLatestAwsSdk = false,
        });

        Nag.Suppress(secret.Node.FindChild("CustomResourcePolicy"), new NagRule(
            "AwsSolutions-IAM5",
            "secretsmanager:GetRandomPassword has no resource-level permissions; AWS accepts only Resource \"*\" for it.",
            "Resource::*"));
        return secret;
    }

    /// <summary>The drawn value, as a CloudFormation reference.</summary>
    public static string Value(AwsCustomResource secret) => secret.GetResponseField("RandomPassword");
}
