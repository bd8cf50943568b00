namespace ChatBot.Api.Infrastructure;

/// <summary>
/// The security headers of the web app, the one definition for both places it is served from: the local app (here,
/// <see cref="WebAppExtensions"/>) and CloudFront's response-headers policy (infra Website.cs, which the infra tests
/// hold equal to this). Only what depends on the transport differs: the deployed site adds HSTS and
/// <c>upgrade-insecure-requests</c>, which would break a plain-http loopback app, and each lists its own sign-in origins
/// in <c>connect-src</c>. No framework types here: the infra tests compile this file too.
/// </summary>
public static class WebSecurityHeaders
{
    public const string PermissionsPolicy = "camera=(), microphone=(), geolocation=(), payment=()";

    /// <summary>
    /// Only this origin's scripts, styles and data, plus the sign-in origins the page calls. No inline script or style,
    /// no framing, no plugins.
    /// </summary>
    public static IReadOnlyList<string> ContentSecurityPolicyDirectives(IEnumerable<string> connectOrigins) =>
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        string.Join(' ', ["connect-src", "'self'", .. connectOrigins]),
        "manifest-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ];

    /// <summary>The headers the local app sends on every response.</summary>
    public static IReadOnlyDictionary<string, string> Local(IEnumerable<string> connectOrigins) => new Dictionary<string, string>
    {
        ["Content-Security-Policy"] = string.Join("; ", ContentSecurityPolicyDirectives(connectOrigins)),
        ["X-Content-Type-Options"] = "nosniff",
        ["X-Frame-Options"] = "DENY",
        ["Referrer-Policy"] = "same-origin",
        ["Permissions-Policy"] = PermissionsPolicy,
        ["Cross-Origin-Opener-Policy"] = "same-origin",
    };
}
