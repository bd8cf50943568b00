namespace ChatBot.Api.Identity;

public enum AuthMode
{
    /// <summary>Local only: the user comes from the X-ChatBot-User header (default "local"). Refused off loopback and on Lambda.</summary>
    Development,

    /// <summary>The app verifies a bearer JWT itself (for example a Cognito ID token) against <see cref="JwtAuthOptions.Authority"/>.</summary>
    Jwt,

    /// <summary>
    /// On Lambda behind API Gateway: the Cognito authorizer has verified the token, and the Lambda Web Adapter forwards the
    /// verified claims in the x-amzn-request-context header. See docs/decisions/0002-identity-from-api-gateway.md.
    /// </summary>
    ApiGateway,
}

/// <summary>How callers are identified, bound from the <c>Auth</c> configuration section.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    public AuthMode Mode { get; set; } = AuthMode.Development;

    /// <summary>Lets Development mode listen beyond loopback, for a trusted LAN demo. Never on Lambda.</summary>
    public bool AllowDevelopmentOffLoopback { get; set; }

    /// <summary>Lets ApiGateway mode run outside Lambda, where anyone who reaches the port could forge the header. Tests only.</summary>
    public bool AllowApiGatewayOffLambda { get; set; }

    public JwtAuthOptions Jwt { get; set; } = new();
}

public sealed class JwtAuthOptions
{
    /// <summary>The token issuer, such as https://cognito-idp.{region}.amazonaws.com/{userPoolId}.</summary>
    public string? Authority { get; set; }

    /// <summary>The expected audience: for Cognito ID tokens, the app client id.</summary>
    public string? Audience { get; set; }
}
