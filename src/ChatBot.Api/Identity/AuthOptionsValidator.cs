using ChatBot.Core;
using Microsoft.Extensions.Options;

namespace ChatBot.Api.Identity;

/// <summary>
/// Keeps each identity mode where it is safe; each problem stops the app at start with one line saying what to set.
/// ApiGateway mode needs the real Lambda runtime (its runtime API endpoint); Development mode is refused there.
/// </summary>
public sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    /// <summary>Set by the Lambda runtime itself (the endpoint the Web Adapter polls for invocations), not by the stack.</summary>
    public const string LambdaRuntimeApiVariable = "AWS_LAMBDA_RUNTIME_API";

    private static bool OnLambda =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(LambdaRuntimeApiVariable))
        || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_LAMBDA_FUNCTION_NAME"));

    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failure = options.Mode switch
        {
            AuthMode.Development when OnLambda =>
                "Auth:Mode=Development is refused on AWS Lambda: it trusts a header anyone can set. Use Auth:Mode=ApiGateway or Jwt.",
            AuthMode.ApiGateway when string.IsNullOrEmpty(Environment.GetEnvironmentVariable(LambdaRuntimeApiVariable)) && !options.AllowApiGatewayOffLambda =>
                $"Auth:Mode=ApiGateway only works on AWS Lambda behind API Gateway ({LambdaRuntimeApiVariable} is not set), where the request " +
                "context header cannot be forged. Locally, use Auth:Mode=Development or Jwt.",
            AuthMode.Jwt => JwtFailure(options.Jwt),
            _ => null,
        };
        return failure is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failure);
    }

    private static string? JwtFailure(JwtAuthOptions jwt)
    {
        if (string.IsNullOrWhiteSpace(jwt.Authority) || string.IsNullOrWhiteSpace(jwt.Audience))
        {
            return "Auth:Mode=Jwt needs Auth:Jwt:Authority (the issuer URL, e.g. https://cognito-idp.eu-west-1.amazonaws.com/<pool id>) " +
                "and Auth:Jwt:Audience (the app client id).";
        }

        if (!Uri.TryCreate(jwt.Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("https" or "http"))
        {
            return $"Auth:Jwt:Authority '{jwt.Authority}' is not an absolute https URL such as https://cognito-idp.eu-west-1.amazonaws.com/<pool id>.";
        }

        var loopback = Loopback.Is(authority);
        return authority.Scheme switch
        {
            "http" when !loopback =>
                $"Auth:Jwt:Authority '{jwt.Authority}' must use https: tokens are only as trustworthy as the keys fetched from it.",
            "http" when !jwt.AllowHttpOnLoopback =>
                $"Auth:Jwt:Authority '{jwt.Authority}' is plain http. For a local OIDC provider on this machine, set Auth:Jwt:AllowHttpOnLoopback=true; otherwise use https.",
            _ => null,
        };
    }
}
