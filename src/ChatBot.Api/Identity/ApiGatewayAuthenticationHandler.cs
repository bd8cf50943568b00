using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace ChatBot.Api.Identity;

/// <summary>
/// Reads the identity that API Gateway's Cognito authorizer already verified. The Lambda Web Adapter forwards the REST API
/// request context as JSON in the x-amzn-request-context header; its authorizer.claims hold the token's claims. Only API
/// Gateway can invoke the function, and the app listens on loopback inside the Lambda sandbox, so the header cannot be forged.
/// </summary>
public sealed class ApiGatewayAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiGateway";
    public const string RequestContextHeader = "x-amzn-request-context";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers[RequestContextHeader].ToString();
        if (header.Length == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        string? sub;
        try
        {
            using var document = JsonDocument.Parse(header);
            sub = document.RootElement.TryGetProperty("authorizer", out var authorizer)
                && authorizer.TryGetProperty("claims", out var claims)
                && claims.TryGetProperty("sub", out var subElement)
                && subElement.ValueKind == JsonValueKind.String
                    ? subElement.GetString()
                    : null;
        }
        catch (JsonException)
        {
            return Task.FromResult(AuthenticateResult.Fail("The API Gateway request context is not valid JSON."));
        }

        if (!UserIds.IsValid(sub))
        {
            return Task.FromResult(AuthenticateResult.Fail("The API Gateway request context carries no usable 'sub' claim."));
        }

        var identity = new ClaimsIdentity([new Claim("sub", sub!)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}
