using System.Text.RegularExpressions;
using ChatBot.Core;
using Microsoft.Extensions.Options;

namespace ChatBot.Llm.Bedrock;

/// <summary>Stops the app at startup with a message that names the setting and says how to fix it.</summary>
internal sealed partial class BedrockOptionsValidator : IValidateOptions<BedrockOptions>
{
    public ValidateOptionsResult Validate(string? name, BedrockOptions options)
    {
        var failures = new List<string>();

        if (string.IsNullOrWhiteSpace(options.ModelId) || options.ModelId.Any(char.IsWhiteSpace))
        {
            failures.Add("Llm:Bedrock:ModelId must be a Bedrock model id or inference profile id, such as 'openai.gpt-oss-20b-1:0' or 'us.meta.llama3-3-70b-instruct-v1:0'.");
        }

        foreach (var model in options.Models.Where(m => string.IsNullOrWhiteSpace(m) || m.Any(char.IsWhiteSpace)))
        {
            failures.Add($"Llm:Bedrock:Models has '{model}', which is not a Bedrock model id or inference profile id, such as 'openai.gpt-oss-120b-1:0'.");
        }

        if (string.IsNullOrWhiteSpace(options.Region))
        {
            failures.Add("Llm:Bedrock:Region is required for Llm:Provider=Bedrock. Set it (for example Llm__Bedrock__Region=us-east-1) or set AWS_REGION.");
        }
        else if (!RegionPattern().IsMatch(options.Region))
        {
            failures.Add($"Llm:Bedrock:Region '{options.Region}' is not an AWS region name such as 'us-east-1'.");
        }

        if (options.Endpoint is { } endpoint)
        {
            // The session token travels in a header, so it must not cross the network in clear text.
            if (!endpoint.IsAbsoluteUri || !(endpoint.Scheme == Uri.UriSchemeHttps || (endpoint.Scheme == Uri.UriSchemeHttp && Loopback.Is(endpoint))))
            {
                failures.Add($"Llm:Bedrock:Endpoint '{endpoint}' must be an absolute https:// URL (http:// is allowed only for a loopback test server).");
            }
            else if (!string.IsNullOrEmpty(endpoint.Query) || !string.IsNullOrEmpty(endpoint.Fragment))
            {
                failures.Add($"Llm:Bedrock:Endpoint '{endpoint}' must not have a query or fragment.");
            }
        }

        if (options.ResponseTimeout <= TimeSpan.Zero)
        {
            failures.Add("Llm:Bedrock:ResponseTimeout must be positive, such as '00:01:00'.");
        }

        if (options.RetryBudget < TimeSpan.Zero)
        {
            failures.Add("Llm:Bedrock:RetryBudget must be zero (no retries) or positive, such as '00:00:10'.");
        }

        if (options.RetryBaseDelay <= TimeSpan.Zero)
        {
            failures.Add("Llm:Bedrock:RetryBaseDelay must be positive, such as '00:00:00.400'.");
        }

        if (options.MaxRetries is < 0 or > 10)
        {
            failures.Add("Llm:Bedrock:MaxRetries must be between 0 and 10.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+$")]
    private static partial Regex RegionPattern();
}
