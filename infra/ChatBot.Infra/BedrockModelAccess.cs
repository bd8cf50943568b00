using System.Text.RegularExpressions;

namespace ChatBot.Infra;

/// <summary>
/// The IAM resources that let the API invoke exactly one Bedrock model, nothing else.
/// <para>
/// A plain model id (<c>openai.gpt-oss-20b-1:0</c>) needs only its foundation-model ARN in the stack region.
/// A cross-Region inference profile id (<c>us.meta.llama3-3-70b-instruct-v1:0</c>) needs the inference-profile ARN
/// and the foundation-model ARN in every region the profile may route the request to; Bedrock checks both.
/// A <c>global.</c> profile routes to any commercial region, which IAM expresses as a foundation-model ARN with an
/// empty region (this is the one case where AWS offers nothing narrower).
/// </para>
/// </summary>
public sealed partial record BedrockModelAccess
{
    /// <summary>Destination regions per geography prefix, from the Bedrock cross-Region inference documentation.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> GeographyRegions = new Dictionary<string, string[]>
    {
        ["us"] = ["us-east-1", "us-east-2", "us-west-1", "us-west-2"],
        ["us-gov"] = ["us-gov-east-1", "us-gov-west-1"],
        ["ca"] = ["ca-central-1", "ca-west-1"],
        ["eu"] = ["eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3"],
        ["apac"] = ["ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4"],
        ["jp"] = ["ap-northeast-1", "ap-northeast-3"],
        ["au"] = ["ap-southeast-2", "ap-southeast-4"],
        ["global"] = [],
    };

    /// <summary>The id the app sends to Bedrock (<c>Llm:Bedrock:ModelId</c>).</summary>
    public required string ModelId { get; init; }

    /// <summary>The foundation model behind the id (the id itself unless it is an inference profile).</summary>
    public required string FoundationModelId { get; init; }

    /// <summary>The geography prefix of an inference profile (<c>us</c>, <c>eu</c>, <c>global</c>...), or null.</summary>
    public required string? Geography { get; init; }

    /// <summary>The stack region: the source region of every request.</summary>
    public required string Region { get; init; }

    /// <summary>Regions whose foundation-model ARN is granted (the stack region for a plain model id).</summary>
    public required IReadOnlyList<string> FoundationModelRegions { get; init; }

    public bool IsInferenceProfile => Geography is not null;

    public static BedrockModelAccess Create(string modelId, string region, IReadOnlyList<string>? inferenceRegions)
    {
        if (!ModelIdPattern().IsMatch(modelId))
        {
            throw new ArgumentException(
                $"modelId '{modelId}' is not a Bedrock model id or inference profile id such as {DeploymentSettings.DefaultModelId} " +
                "or us.meta.llama3-3-70b-instruct-v1:0.");
        }

        var dot = modelId.IndexOf('.', StringComparison.Ordinal);
        var prefix = modelId[..dot];
        if (!GeographyRegions.TryGetValue(prefix, out var geographyRegions))
        {
            if (inferenceRegions is not null)
            {
                throw new ArgumentException(
                    $"inferenceRegions only applies to cross-Region inference profiles (us., eu., apac., global....), not to modelId '{modelId}'.");
            }

            return new BedrockModelAccess
            {
                ModelId = modelId,
                FoundationModelId = modelId,
                Geography = null,
                Region = region,
                FoundationModelRegions = [region],
            };
        }

        var regions = (inferenceRegions ?? geographyRegions).Distinct(StringComparer.Ordinal).ToList();
        if (prefix != "global" && !regions.Contains(region))
        {
            throw new ArgumentException(
                $"modelId '{modelId}' is a '{prefix}' inference profile, which cannot be called from region {region}. " +
                $"Deploy to one of {string.Join(", ", regions)} or pick a profile for your geography.");
        }

        if (!regions.Contains(region))
        {
            regions.Insert(0, region);
        }

        return new BedrockModelAccess
        {
            ModelId = modelId,
            FoundationModelId = modelId[(dot + 1)..],
            Geography = prefix,
            Region = region,
            FoundationModelRegions = regions,
        };
    }

    /// <summary>The exact resources for bedrock:InvokeModel and bedrock:InvokeModelWithResponseStream.</summary>
    /// <param name="accountId">The stack account (usually the <c>AWS::AccountId</c> token); inference profiles live in it.</param>
    public IReadOnlyList<string> ResourceArns(string accountId)
    {
        var partition = PartitionOf(Region);
        var arns = new List<string>();
        if (IsInferenceProfile)
        {
            arns.Add($"arn:{partition}:bedrock:{Region}:{accountId}:inference-profile/{ModelId}");
        }

        arns.AddRange(FoundationModelRegions.Select(r => $"arn:{partition}:bedrock:{r}::foundation-model/{FoundationModelId}"));
        if (Geography == "global")
        {
            // Global profiles may route to any commercial region; IAM names that with an empty region.
            arns.Add($"arn:{partition}:bedrock:::foundation-model/{FoundationModelId}");
        }

        return arns;
    }

    public static string PartitionOf(string region) =>
        region.StartsWith("cn-", StringComparison.Ordinal) ? "aws-cn"
        : region.StartsWith("us-gov-", StringComparison.Ordinal) ? "aws-us-gov"
        : "aws";

    [GeneratedRegex("^[a-z0-9-]+\\.[A-Za-z0-9._:-]+$")]
    private static partial Regex ModelIdPattern();
}
