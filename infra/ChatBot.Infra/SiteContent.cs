using Amazon.CDK;
using Amazon.CDK.AWS.CloudFront;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.S3.Deployment;
using Constructs;

namespace ChatBot.Infra;

/// <summary>What the browser app needs to know about this stack; written to <c>/config.json</c>.</summary>
public sealed class WebConfig
{
    public required string Region { get; init; }
    public required string UserPoolId { get; init; }
    public required string UserPoolClientId { get; init; }

    /// <summary>Full https URL of the Cognito hosted UI domain.</summary>
    public required string CognitoDomain { get; init; }
    public string ApiBasePath { get; init; } = "/api";
}

public sealed class SiteContentProps
{
    /// <summary>The built web app (see <see cref="SourceBuild.WebAppSource"/>).</summary>
    public required ISource WebApp { get; init; }
    public required IBucket Bucket { get; init; }
    public required IDistribution Distribution { get; init; }
    public required WebConfig Config { get; init; }
}

/// <summary>
/// Uploads the built frontend plus a generated <c>config.json</c>, so one frontend build serves any stack,
/// then invalidates CloudFront so the new version is live at once.
/// </summary>
public sealed class SiteContent : Construct
{
    public SiteContent(Construct scope, string id, SiteContentProps props) : base(scope, id)
    {
        var config = props.Config;
        Deployment = new BucketDeployment(this, "Deployment", new BucketDeploymentProps
        {
            Sources =
            [
                props.WebApp,
                Source.JsonData("config.json", new Dictionary<string, object>
                {
                    ["region"] = config.Region,
                    ["userPoolId"] = config.UserPoolId,
                    ["userPoolClientId"] = config.UserPoolClientId,
                    ["cognitoDomain"] = config.CognitoDomain,
                    ["apiBasePath"] = config.ApiBasePath,
                }),
            ],
            DestinationBucket = props.Bucket,
            Distribution = props.Distribution,
            DistributionPaths = ["/*"],
            // Browsers revalidate (cheap 304s): index.html and config.json must never be stale after a deploy.
            CacheControl = [CacheControl.FromString("no-cache")],
            MemoryLimit = 512,
        });
    }

    public BucketDeployment Deployment { get; }
}
