using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace ChatBot.Llm.LlamaSharp.Download;

// An S3 object named the way people write it, s3://bucket/key (the form the AWS CLI and the CDK context use).
public sealed partial record S3ObjectUri(string Bucket, string Key)
{
    public static bool TryParse(string? value, [NotNullWhen(true)] out S3ObjectUri? uri)
    {
        uri = null;
        var match = value is null ? null : Pattern().Match(value.Trim());
        if (match is not { Success: true })
        {
            return false;
        }

        uri = new S3ObjectUri(match.Groups["bucket"].Value, match.Groups["key"].Value);
        return true;
    }

    public override string ToString() => $"s3://{Bucket}/{Key}";

    // Bucket names: 3-63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit.
    [GeneratedRegex("^s3://(?<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(?<key>[^\\s].*)$")]
    private static partial Regex Pattern();
}
