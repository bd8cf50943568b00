namespace ChatBot.Api.Identity;

public enum AuthMode
{
    /// <summary>Local only: the user comes from the X-ChatBot-User header (default "local"). Refused off loopback and on Lambda.</summary>
    Development,

    /// <summary>
    /// The app verifies a bearer JWT itself against <see cref="JwtAuthOptions.Authority"/>, accepting exactly what API
    /// Gateway's Cognito authorizer accepts: access tokens for the configured client with the required scope.
    /// </summary>
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

    /// <summary>
    /// Lets ApiGateway mode run without the Lambda runtime API (<c>AWS_LAMBDA_RUNTIME_API</c>), where anyone who reaches
    /// the port could forge the header. In-process tests only; the app still refuses to listen beyond loopback.
    /// </summary>
    public bool AllowApiGatewayOffLambda { get; set; }

    public JwtAuthOptions Jwt { get; set; } = new();
}

public sealed class JwtAuthOptions
{
    /// <summary>The token issuer, such as https://cognito-idp.{region}.amazonaws.com/{userPoolId}.</summary>
    public string? Authority { get; set; }

    /// <summary>The app client id: an access token must name it in <c>client_id</c> (and in <c>aud</c>, if it has one).</summary>
    public string? Audience { get; set; }

    /// <summary>The scope every access token must carry, as the deployed authorizer requires (infra UserDirectory.ApiScope).</summary>
    public string RequiredScope { get; set; } = "openid";

    /// <summary>
    /// Development only: accept an <c>http://</c> authority on a loopback host (a local OIDC provider). Any other
    /// authority must be https, or the app refuses to start.
    /// </summary>
    public bool AllowHttpOnLoopback { get; set; }
}
