using System.Net;
using ChatBot.Core;

namespace ChatBot.Llm.Bedrock;

/// <summary>One failed call to Bedrock, classified: what to tell the caller, and whether trying again may help.</summary>
internal sealed record BedrockFailure(ModelErrorKind Kind, string ErrorType, string Message, bool Retryable);

/// <summary>Carries a <see cref="BedrockFailure"/> from the HTTP and event-stream code up to the retry loop.</summary>
internal sealed class BedrockFailureException(BedrockFailure failure, Exception? innerException = null)
    : Exception(failure.Message, innerException)
{
    public BedrockFailure Failure { get; } = failure;
}

/// <summary>
/// Turns Bedrock's error types (the <c>X-Amzn-ErrorType</c> header of an HTTP error, or the <c>:exception-type</c> of an
/// event-stream frame) into answers a user or an operator can act on.
/// </summary>
internal static class BedrockErrors
{
    /// <summary>Classifies an error answered as an HTTP status, before any event was streamed.</summary>
    public static BedrockFailure FromHttp(HttpStatusCode status, string? errorType, string? message, string modelId, string region)
    {
        var type = NormalizeType(errorType) ?? TypeForStatus(status);
        var failure = Classify(type, message, modelId, region);
        if (failure is not null)
        {
            return failure;
        }

        var code = (int)status;
        return code >= 500
            ? new BedrockFailure(ModelErrorKind.Unavailable, type, $"Amazon Bedrock failed with HTTP {code} ({type}): {Reason(message)}", Retryable: true)
            : new BedrockFailure(ModelErrorKind.Failed, type, $"Amazon Bedrock refused the call with HTTP {code} ({type}): {Reason(message)}", Retryable: false);
    }

    /// <summary>Classifies an <c>:message-type: exception</c> frame from a ConverseStream body.</summary>
    public static BedrockFailure FromStreamException(string? exceptionType, string? message, string modelId, string region)
    {
        var type = NormalizeType(exceptionType) ?? "UnknownException";
        return Classify(type, message, modelId, region)
            ?? new BedrockFailure(ModelErrorKind.Failed, type, $"Amazon Bedrock failed while streaming ({type}): {Reason(message)}", Retryable: false);
    }

    private static BedrockFailure? Classify(string type, string? message, string modelId, string region)
    {
        var reason = Reason(message);
        switch (type.ToUpperInvariant())
        {
            case "THROTTLINGEXCEPTION":
            case "TOOMANYREQUESTSEXCEPTION":
                return new(ModelErrorKind.Throttled, type,
                    $"Amazon Bedrock is throttling calls to model '{modelId}' in {region}: {reason} Try again shortly; if it persists, ask for a higher quota in Service Quotas.",
                    Retryable: true);

            case "SERVICEQUOTAEXCEEDEDEXCEPTION":
                return new(ModelErrorKind.Throttled, type,
                    $"The account's Amazon Bedrock quota for model '{modelId}' in {region} is used up: {reason}",
                    Retryable: false);

            case "SERVICEUNAVAILABLEEXCEPTION":
            case "INTERNALSERVEREXCEPTION":
            case "MODELNOTREADYEXCEPTION":
            case "MODELTIMEOUTEXCEPTION":
            case "MODELSTREAMERROREXCEPTION":
                return new(ModelErrorKind.Unavailable, type,
                    $"Amazon Bedrock could not answer with model '{modelId}' in {region} right now ({type}): {reason}",
                    Retryable: true);

            case "ACCESSDENIEDEXCEPTION":
                return new(ModelErrorKind.AccessDenied, type, AccessDeniedMessage(modelId, region, reason), Retryable: false);

            case "UNRECOGNIZEDCLIENTEXCEPTION":
            case "INVALIDSIGNATUREEXCEPTION":
            case "EXPIREDTOKENEXCEPTION":
            case "MISSINGAUTHENTICATIONTOKENEXCEPTION":
            case "INCOMPLETESIGNATUREEXCEPTION":
                return new(ModelErrorKind.AccessDenied, type,
                    $"Amazon Bedrock rejected ChatBot's AWS credentials ({type}): {reason} Check the credentials of the role or user ChatBot runs as, and that the server clock is right.",
                    Retryable: false);

            case "RESOURCENOTFOUNDEXCEPTION":
                // An operator must fix the configuration, so this is answered like access denied (503), not blamed on the user.
                return new(ModelErrorKind.AccessDenied, type,
                    $"Amazon Bedrock has no model '{modelId}' in {region}: {reason} Check Llm:Bedrock:ModelId against the model ids listed in the Bedrock console for that region.",
                    Retryable: false);

            case "VALIDATIONEXCEPTION":
                if (NeedsInferenceProfile(reason))
                {
                    // Also a configuration error, not the user's input: answered as 503 so an operator looks at it.
                    return new(ModelErrorKind.AccessDenied, type,
                        $"Model '{modelId}' cannot be called on demand in {region}; it must be called through an inference profile. " +
                        $"Set Llm:Bedrock:ModelId to an inference profile id such as '{SuggestProfile(modelId, region)}' (Bedrock console, Cross-region inference). Bedrock said: {reason}",
                        Retryable: false);
                }

                if (MentionsModelAccess(reason))
                {
                    return new(ModelErrorKind.AccessDenied, type, AccessDeniedMessage(modelId, region, reason), Retryable: false);
                }

                return new(ModelErrorKind.InvalidRequest, type, $"Amazon Bedrock refused the request: {reason}", Retryable: false);

            case "MODELERROREXCEPTION":
                return new(ModelErrorKind.Failed, type, $"Model '{modelId}' failed while processing the request: {reason}", Retryable: false);

            default:
                return MentionsModelAccess(reason)
                    ? new(ModelErrorKind.AccessDenied, type, AccessDeniedMessage(modelId, region, reason), Retryable: false)
                    : null;
        }
    }

    private static string AccessDeniedMessage(string modelId, string region, string reason) =>
        $"ChatBot may not use Amazon Bedrock model '{modelId}' in {region}: {reason} " +
        $"Enable model access for the account in {region} (Amazon Bedrock console: Model access page, or Model catalog where that page is retired), " +
        "and check that ChatBot's IAM role allows bedrock:InvokeModel and bedrock:InvokeModelWithResponseStream on the model " +
        "(plus aws-marketplace:Subscribe and aws-marketplace:ViewSubscriptions for a model sold through AWS Marketplace) and that no service control policy denies it.";

    private static bool NeedsInferenceProfile(string reason) =>
        reason.Contains("inference profile", StringComparison.OrdinalIgnoreCase)
        || reason.Contains("on-demand throughput", StringComparison.OrdinalIgnoreCase);

    private static bool MentionsModelAccess(string reason) =>
        reason.Contains("model access", StringComparison.OrdinalIgnoreCase)
        || reason.Contains("access to the model", StringComparison.OrdinalIgnoreCase);

    /// <summary>Cross-region inference profile ids put the region's geography in front of the model id, such as <c>us.</c> or <c>eu.</c>.</summary>
    private static string SuggestProfile(string modelId, string region)
    {
        var geography = region.StartsWith("us-gov-", StringComparison.Ordinal) ? "us-gov" : region.Split('-')[0];
        return $"{geography}.{modelId}";
    }

    /// <summary>restJson1 error types may carry a namespace (<c>aws.protocols#X</c>) or a suffix (<c>X:http://internal...</c>).</summary>
    private static string? NormalizeType(string? errorType)
    {
        if (string.IsNullOrWhiteSpace(errorType))
        {
            return null;
        }

        var type = errorType.Trim();
        var colon = type.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            type = type[..colon];
        }

        var hash = type.LastIndexOf('#');
        if (hash >= 0)
        {
            type = type[(hash + 1)..];
        }

        return type.Length == 0 ? null : type;
    }

    private static string TypeForStatus(HttpStatusCode status) => status switch
    {
        HttpStatusCode.TooManyRequests => "ThrottlingException",
        HttpStatusCode.ServiceUnavailable => "ServiceUnavailableException",
        HttpStatusCode.Forbidden => "AccessDeniedException",
        HttpStatusCode.NotFound => "ResourceNotFoundException",
        HttpStatusCode.BadRequest => "ValidationException",
        _ => $"HTTP{(int)status}",
    };

    private static string Reason(string? message)
    {
        if (string.IsNullOrWhiteSpace(message))
        {
            return "(no message).";
        }

        var trimmed = message.Trim();
        return trimmed.EndsWith('.') ? trimmed : trimmed + ".";
    }
}
