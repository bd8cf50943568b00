using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChatBot.E2E.Tests;

/// <summary>
/// A small OpenID Connect provider standing in for Cognito, so the web app's real oidc-client-ts code runs the whole
/// sign-in: discovery, the hosted UI's authorize page with a sign-in form, the code grant with PKCE (S256 only), refresh
/// tokens, revocation, JWKS and sign-out, at Cognito's paths. Its tokens are shaped like Cognito's: RS256,
/// <c>token_use</c>, an access token naming the app client in <c>client_id</c> with the granted <c>scope</c> (no
/// <c>aud</c>), an ID token with <c>aud</c> and <c>cognito:username</c>.
/// <para>
/// Two layouts: <see cref="StartAsync"/> serves everything from one plain-HTTP origin (the issuer) and lists an
/// end_session_endpoint; <see cref="StartCognitoAsync"/> answers on Cognito's two hosts, the issuer
/// (<c>https://cognito-idp.{region}.amazonaws.com/{pool id}</c>: discovery and keys) and the hosted UI domain
/// (<c>https://{prefix}.auth.{region}.amazoncognito.com</c>: sign-in, tokens, revocation, <c>/logout</c>), and, like
/// Cognito, lists no end_session_endpoint.
/// </para>
/// </summary>
public sealed class LocalOidcProvider : IAsyncDisposable
{
    public const string ClientId = "e2e-web-client";
    private const string SessionCookie = "local_oidc_session";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Grant> _codes = new();
    private readonly ConcurrentDictionary<string, Grant> _refreshTokens = new();
    private readonly ConcurrentDictionary<string, string> _sessions = new();
    private readonly RsaSecurityKey _key = new(RSA.Create(2048)) { KeyId = Guid.NewGuid().ToString("N") };
    private int _endSessions;
    private int _refreshGrants;

    /// <summary>What a code or a refresh token stands for.</summary>
    private sealed record Grant(string User, string RedirectUri, string Scope, string? Challenge, string? Nonce, long AuthTime);

    private LocalOidcProvider(WebApplication app, OidcClient client)
    {
        _app = app;
        Client = client;
    }

    /// <summary>The issuer, with no trailing slash: the web app's authority, and what every token's <c>iss</c> says.</summary>
    public string Issuer { get; private set; } = null!;

    /// <summary>The hosted UI's base URL (Cognito's user pool domain); the issuer's origin in the one-origin layout.</summary>
    public string HostedUi { get; private set; } = null!;

    /// <summary>Where the issuer's endpoints listen (in the one-origin layout, everything).</summary>
    public Uri IssuerListenOrigin { get; private set; } = null!;

    /// <summary>Where the hosted UI's endpoints listen: another local origin in Cognito's layout.</summary>
    public Uri HostedUiListenOrigin { get; private set; } = null!;

    /// <summary>The one app client, as registered: redirect URLs, scopes and token lifetimes.</summary>
    public OidcClient Client { get; set; }

    public string AuthorizeEndpoint => HostedUi + "/oauth2/authorize";

    public string TokenEndpoint => HostedUi + "/oauth2/token";

    /// <summary>Where the web app may be sent back to, after sign-in and sign-out: the app's own origin.</summary>
    public string? AllowedRedirectUri
    {
        get => Client.CallbackUrls.Count > 0 ? Client.CallbackUrls[0] : null;
        set => Client = Client with { CallbackUrls = value is null ? [] : [value], LogoutUrls = value is null ? [] : [value] };
    }

    /// <summary>How many times a browser ended its session here.</summary>
    public int EndSessions => Volatile.Read(ref _endSessions);

    public int RefreshGrants => Volatile.Read(ref _refreshGrants);

    public int ActiveRefreshTokens => _refreshTokens.Count;

    /// <summary>One plain-HTTP origin on loopback for everything, with <see cref="ClientId"/> as the app client.</summary>
    public static async Task<LocalOidcProvider> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var provider = new LocalOidcProvider(app, new OidcClient(ClientId, [], [], ["openid", "email", "profile"], TimeSpan.FromHours(1), TimeSpan.FromHours(1)));
        provider.Map(app, issuerPath: "", issuerHost: null, hostedUiHost: null);
        await app.StartAsync();
        provider.Issuer = provider.HostedUi = app.Urls.Single().TrimEnd('/');
        provider.IssuerListenOrigin = provider.HostedUiListenOrigin = new Uri(provider.Issuer + "/");
        return provider;
    }

    /// <summary>
    /// Cognito's layout: <paramref name="issuer"/> and <paramref name="hostedUi"/> are the deployed URLs, each served on
    /// its own local HTTPS origin (<see cref="IssuerListenOrigin"/>, <see cref="HostedUiListenOrigin"/>) that its host
    /// name is mapped to; each answers only its own host's endpoints.
    /// </summary>
    public static async Task<LocalOidcProvider> StartCognitoAsync(string issuer, string hostedUi, OidcClient client)
    {
        var issuerUri = new Uri(issuer);
        var hostedUiUri = new Uri(hostedUi);
        LocalOidcProvider? provider = null;
        var (app, origins) = await Rehearsal.LocalTls.StartAsync(app =>
        {
            provider = new LocalOidcProvider(app, client) { Issuer = issuer.TrimEnd('/'), HostedUi = hostedUi.TrimEnd('/') };
            provider.Map(app, issuerUri.AbsolutePath.TrimEnd('/'), issuerUri.Host, hostedUiUri.Host);
        }, ports: 2);
        provider!.IssuerListenOrigin = origins[0];
        provider.HostedUiListenOrigin = origins[1];
        return provider;
    }

    /// <summary>The subject Cognito would give this user: a UUID, the same every time.</summary>
    public static string SubjectOf(string user) => new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(user)).AsSpan(0, 16)).ToString();

    /// <summary>
    /// Per user, how long the next tokens really last; <c>expires_in</c> still says an hour. To the web app an early
    /// expiry is a 401 in the middle of a session it believed valid.
    /// </summary>
    public ConcurrentDictionary<string, TimeSpan> AccessTokenLifetimes { get; } = new();

    /// <summary>Per user, the <c>expires_in</c> the browser is told (default an hour), which is when it renews.</summary>
    public ConcurrentDictionary<string, int> ReportedLifetimes { get; } = new();

    private void Map(WebApplication app, string issuerPath, string? issuerHost, string? hostedUiHost)
    {
        // The web app calls discovery, token and revocation from its own origin (another port).
        app.Use(async (context, next) =>
        {
            context.Response.Headers.AccessControlAllowOrigin = "*";
            if (HttpMethods.IsOptions(context.Request.Method))
            {
                context.Response.Headers.AccessControlAllowMethods = "GET, POST";
                context.Response.Headers.AccessControlAllowHeaders = "Content-Type, Accept, Authorization";
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                return;
            }

            await next(context);
        });

        RouteHandlerBuilder OnIssuer(RouteHandlerBuilder route) => issuerHost is null ? route : route.RequireHost(issuerHost);
        RouteHandlerBuilder OnHostedUi(RouteHandlerBuilder route) => hostedUiHost is null ? route : route.RequireHost(hostedUiHost);

        OnIssuer(app.MapGet(issuerPath + "/.well-known/openid-configuration", () =>
        {
            var discovery = new Dictionary<string, object>
            {
                ["issuer"] = Issuer,
                ["authorization_endpoint"] = AuthorizeEndpoint,
                ["token_endpoint"] = TokenEndpoint,
                ["jwks_uri"] = $"{Issuer}/.well-known/jwks.json",
                ["revocation_endpoint"] = $"{HostedUi}/oauth2/revoke",
                ["response_types_supported"] = new[] { "code" },
                ["grant_types_supported"] = new[] { "authorization_code", "refresh_token" },
                ["subject_types_supported"] = new[] { "public" },
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
                ["code_challenge_methods_supported"] = new[] { "S256" },
                ["scopes_supported"] = new[] { "openid", "email", "profile" },
            };
            if (hostedUiHost is null)
            {
                discovery["end_session_endpoint"] = $"{HostedUi}/logout";
            }

            return Results.Json(discovery);
        }));

        OnIssuer(app.MapGet(issuerPath + "/.well-known/jwks.json", () =>
        {
            var parameters = _key.Rsa.ExportParameters(includePrivateParameters: false);
            return Results.Json(new
            {
                keys = new[]
                {
                    new { kty = "RSA", use = "sig", alg = "RS256", kid = _key.KeyId, n = Base64UrlEncoder.Encode(parameters.Modulus), e = Base64UrlEncoder.Encode(parameters.Exponent) },
                },
            });
        }));

        OnHostedUi(app.MapGet("/oauth2/authorize", Authorize));
        OnHostedUi(app.MapPost("/login", SignIn).DisableAntiforgery());
        OnHostedUi(app.MapPost("/oauth2/token", Token).DisableAntiforgery());
        OnHostedUi(app.MapPost("/oauth2/revoke", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            _refreshTokens.TryRemove(form["token"].ToString(), out _);
            return Results.Ok();
        }).DisableAntiforgery());
        OnHostedUi(app.MapGet("/logout", EndSession));
    }

    private IResult Authorize(HttpRequest request)
    {
        var query = request.Query;
        if (query["client_id"] != Client.ClientId || !Client.CallbackUrls.Contains(query["redirect_uri"].ToString()))
        {
            // Never redirect to a URI the client did not register: show the error here instead.
            return Results.BadRequest($"Unknown client_id or redirect_uri: {query["client_id"]}, {query["redirect_uri"]}.");
        }

        if (query["response_type"] != "code" || query["code_challenge_method"] != "S256" || string.IsNullOrEmpty(query["code_challenge"]))
        {
            return RedirectWithError(query, "invalid_request", "Only the code flow with PKCE (S256) is supported.");
        }

        var scopes = query["scope"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (!scopes.Contains("openid") || !scopes.All(Client.Scopes.Contains))
        {
            return RedirectWithError(query, "invalid_scope", "The openid scope is required, and only the client's scopes are granted.");
        }

        // Signed in here already: no form, straight back with a code, as Cognito's hosted UI does.
        if (request.Cookies[SessionCookie] is { } session && _sessions.TryGetValue(session, out var user))
        {
            return RedirectWithCode(query, user);
        }

        var fields = string.Concat(query.Select(p =>
            $"<input type=\"hidden\" name=\"{HtmlEncoder.Default.Encode(p.Key)}\" value=\"{HtmlEncoder.Default.Encode(p.Value.ToString())}\">"));
        return Results.Content(
            $"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Sign in · Local OIDC</title></head>
            <body><h1>Sign in</h1>
            <form method="post" action="/login">{fields}
            <label for="username">Username</label> <input id="username" name="username" autocomplete="username" required>
            <button type="submit">Sign in</button>
            </form></body></html>
            """,
            "text/html; charset=utf-8");
    }

    private async Task<IResult> SignIn(HttpRequest request, HttpResponse response)
    {
        var form = await request.ReadFormAsync();
        var query = new QueryCollection(form.Where(p => p.Key != "username").ToDictionary(p => p.Key, p => p.Value));
        if (query["client_id"] != Client.ClientId || !Client.CallbackUrls.Contains(query["redirect_uri"].ToString()))
        {
            return Results.BadRequest("Unknown client_id or redirect_uri.");
        }

        var user = form["username"].ToString().Trim();
        var session = Guid.NewGuid().ToString("N");
        _sessions[session] = user;
        response.Cookies.Append(SessionCookie, session, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Lax, Path = "/" });
        return RedirectWithCode(query, user);
    }

    private IResult RedirectWithCode(IQueryCollection query, string user)
    {
        var code = Random();
        _codes[code] = new Grant(user, query["redirect_uri"]!, query["scope"]!, query["code_challenge"], query["nonce"], DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        return Results.Redirect(AppendQuery(query["redirect_uri"]!, ("code", code), ("state", query["state"])));
    }

    private static IResult RedirectWithError(IQueryCollection query, string error, string description) =>
        Results.Redirect(AppendQuery(query["redirect_uri"]!, ("error", error), ("error_description", description), ("state", query["state"])));

    private async Task<IResult> Token(HttpRequest request)
    {
        var form = await request.ReadFormAsync();
        if (form["client_id"] != Client.ClientId)
        {
            return TokenError("invalid_client");
        }

        Grant? grant;
        string? refreshToken;
        switch (form["grant_type"].ToString())
        {
            case "authorization_code":
                // A code is single-use, even when the exchange then fails.
                if (!_codes.TryRemove(form["code"].ToString(), out grant) || form["redirect_uri"] != grant.RedirectUri)
                {
                    return TokenError("invalid_grant");
                }

                var verifier = form["code_verifier"].ToString();
                if (verifier.Length < 43 || Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))) != grant.Challenge)
                {
                    return TokenError("invalid_grant", "PKCE verification failed.");
                }

                refreshToken = Random();
                _refreshTokens[refreshToken] = grant;
                break;
            case "refresh_token":
                if (!_refreshTokens.TryGetValue(form["refresh_token"].ToString(), out grant))
                {
                    return TokenError("invalid_grant");
                }

                Interlocked.Increment(ref _refreshGrants);
                // Like Cognito, a refresh returns new ID and access tokens and keeps the refresh token.
                refreshToken = null;
                break;
            default:
                return TokenError("unsupported_grant_type");
        }

        var response = new Dictionary<string, object>
        {
            ["id_token"] = IdToken(grant),
            ["access_token"] = AccessToken(grant),
            ["token_type"] = "Bearer",
            ["expires_in"] = ReportedLifetimes.GetValueOrDefault(grant.User, (int)Client.AccessTokenLifetime.TotalSeconds),
        };
        if (refreshToken is not null)
        {
            response["refresh_token"] = refreshToken;
        }

        return Results.Json(response);
    }

    private IResult EndSession(HttpContext context)
    {
        Interlocked.Increment(ref _endSessions);
        if (context.Request.Cookies[SessionCookie] is { } session)
        {
            _sessions.TryRemove(session, out _);
        }

        context.Response.Cookies.Delete(SessionCookie, new CookieOptions { Path = "/" });
        var query = context.Request.Query;
        // Cognito's /logout takes client_id and logout_uri; an OIDC end-session request, post_logout_redirect_uri and state.
        var cognito = query["logout_uri"].ToString();
        if (cognito.Length > 0)
        {
            return query["client_id"] == Client.ClientId && Client.LogoutUrls.Contains(cognito)
                ? Results.Redirect(cognito)
                : Results.BadRequest("Unknown client_id or logout_uri.");
        }

        var target = query["post_logout_redirect_uri"].ToString();
        return Client.LogoutUrls.Contains(target)
            ? Results.Redirect(AppendQuery(target, ("state", query["state"])))
            : Results.Content("<!doctype html><title>Signed out</title><p>You are signed out.</p>", "text/html; charset=utf-8");
    }

    private string IdToken(Grant grant) => Sign(grant, new Dictionary<string, object>
    {
        ["aud"] = Client.ClientId,
        ["token_use"] = "id",
        ["cognito:username"] = grant.User,
        ["email"] = $"{grant.User}@example.com",
        ["email_verified"] = true,
        ["auth_time"] = grant.AuthTime,
    }, grant.Nonce, Client.IdTokenLifetime);

    private string AccessToken(Grant grant) => Sign(grant, new Dictionary<string, object>
    {
        ["client_id"] = Client.ClientId,
        ["token_use"] = "access",
        ["scope"] = grant.Scope,
        ["username"] = grant.User,
        ["auth_time"] = grant.AuthTime,
        ["jti"] = Guid.NewGuid().ToString(),
    }, nonce: null, AccessTokenLifetimes.GetValueOrDefault(grant.User, Client.AccessTokenLifetime));

    private string Sign(Grant grant, Dictionary<string, object> claims, string? nonce, TimeSpan lifetime)
    {
        claims["sub"] = SubjectOf(grant.User);
        if (nonce is not null)
        {
            claims["nonce"] = nonce;
        }

        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Claims = claims,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
        });
    }

    private static IResult TokenError(string error, string? description = null) =>
        Results.Json(new Dictionary<string, string?> { ["error"] = error, ["error_description"] = description }, statusCode: StatusCodes.Status400BadRequest);

    private static string Random() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    private static string AppendQuery(string uri, params (string Key, string? Value)[] parameters)
    {
        var query = string.Join('&', parameters.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value!)}"));
        return uri + (uri.Contains('?') ? '&' : '?') + query;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>An app client as the provider knows it (for Cognito: the user pool client's settings).</summary>
public sealed record OidcClient(
    string ClientId,
    IReadOnlyList<string> CallbackUrls,
    IReadOnlyList<string> LogoutUrls,
    IReadOnlyList<string> Scopes,
    TimeSpan AccessTokenLifetime,
    TimeSpan IdTokenLifetime);
