using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace ChatBot.Api.Identity;

/// <summary>
/// Reads the identity that API Gateway's Cognito authorizer already verified. The Lambda Web Adapter forwards the REST API
/// request context as JSON in the x-amzn-request-context header; its authorizer.claims hold the token's claims. The mode
/// starts only inside the Lambda runtime with the app listening on loopback (see IdentityExtensions), where only the
/// adapter can reach it, so the header cannot come from a client. Anything but the expected shape is a 401, never a 500.
/// </summary>
public sealed class ApiGatewayAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiGateway";
    public const string RequestContextHeader = "x-amzn-request-context";
    private const string Source = "API Gateway's request context";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers[RequestContextHeader];
        if (header.Count == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (header.Count > 1)
        {
            return Task.FromResult(AuthenticateResult.Fail(new IdentityRejectedException($"{Source} was sent more than once.")));
        }

        try
        {
            using var document = JsonDocument.Parse(header.ToString());
            var claims = Child(Child(document.RootElement, "authorizer"), "claims");
            var sub = Child(claims, "sub") is { ValueKind: JsonValueKind.String } value
                ? value.GetString()
                : null;
            var result = UserIds.Authenticate(sub, SchemeName, Source);
            // The user pool groups, for the admin routes (Usage.Admins).
            if (result.Succeeded && Child(claims, Usage.Admins.GroupsClaim) is { ValueKind: JsonValueKind.String } groups)
            {
                ((System.Security.Claims.ClaimsIdentity)result.Principal!.Identity!).AddClaims(
                    Usage.Admins.SplitGroups(groups.GetString()!).Select(g => new System.Security.Claims.Claim(Usage.Admins.GroupsClaim, g)));
            }

            return Task.FromResult(result);
        }
        catch (JsonException)
        {
            return Task.FromResult(AuthenticateResult.Fail(new IdentityRejectedException($"{Source} is not valid JSON.")));
        }
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties) =>
        await UnauthorizedProblem.WriteAsync(Context, "Bearer", (await HandleAuthenticateOnceSafeAsync()).Failure,
            "This request carries no verified identity. Sign in, then send the access token as 'Authorization: Bearer <token>'.");

    /// <summary>The named property of an object; null for anything else (an array, a string, a missing key).</summary>
    private static JsonElement? Child(JsonElement? element, string name) =>
        element is { ValueKind: JsonValueKind.Object } obj && obj.TryGetProperty(name, out var child) ? child : null;
}
