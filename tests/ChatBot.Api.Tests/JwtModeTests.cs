using System.IdentityModel.Tokens.Jwt;
using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace ChatBot.Api.Tests;

/// <summary>
/// Auth:Mode=Jwt with real tokens signed by a test key, shaped like Cognito's: it accepts exactly what the deployed
/// API Gateway Cognito authorizer accepts (access tokens for the client, with the openid scope), and every refusal is a
/// 401 problem that says why.
/// </summary>
public sealed class JwtModeTests : IClassFixture<JwtModeTests.JwtApp>
{
    private const string Issuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TEST";
    private const string ClientId = "webclient123";
    private static readonly RsaSecurityKey Key = new(RSA.Create(2048)) { KeyId = "test-key" };
    private readonly JwtApp _app;

    public JwtModeTests(JwtApp app) => _app = app;

    public sealed class JwtApp() : ApiTestApp(new ScriptedChatClient("ok"), new Dictionary<string, string?>
    {
        ["Auth:Mode"] = "Jwt",
        ["Auth:Jwt:Authority"] = Issuer,
        ["Auth:Jwt:Audience"] = ClientId,
    })
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            // The issuer's metadata would be fetched over the network; the test hands over the same facts directly.
            builder.ConfigureTestServices(services => services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, options =>
            {
                options.Configuration = new OpenIdConnectConfiguration { Issuer = Issuer };
                options.Configuration.SigningKeys.Add(Key);
                options.TokenValidationParameters.ValidIssuer = Issuer;
                options.TokenValidationParameters.IssuerSigningKey = Key;
            }));
        }
    }

    /// <summary>Claims of a Cognito access token for the configured client; a test changes or removes (null) what it tries.</summary>
    internal static Dictionary<string, object?> AccessToken(string sub = "3f1c0e9a-user-1") => new()
    {
        ["sub"] = sub,
        ["token_use"] = "access",
        ["client_id"] = ClientId,
        ["scope"] = "openid email profile",
    };

    internal static string Sign(Dictionary<string, object?> claims, DateTime? expires = null, SecurityKey? key = null, string algorithm = SecurityAlgorithms.RsaSha256)
    {
        var expiry = expires ?? DateTime.UtcNow.AddMinutes(5);
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Claims = claims.Where(c => c.Value is not null).ToDictionary(c => c.Key, c => c.Value!),
            IssuedAt = expiry.AddMinutes(-10),
            NotBefore = expiry.AddMinutes(-10),
            Expires = expiry,
            SigningCredentials = new SigningCredentials(key ?? Key, algorithm),
        };
        return new JwtSecurityTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateEncodedJwt(descriptor);
    }

    private static Dictionary<string, object?> With(Dictionary<string, object?> claims, string name, object? value)
    {
        claims[name] = value;
        return claims;
    }

    private async Task<HttpResponseMessage> ListAsync(string? token)
    {
        var client = _app.CreateClient();
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return await client.GetAsync("/api/conversations");
    }

    [Fact]
    public async Task AccessToken_ForTheConfiguredClient_WithTheScope_IsAccepted()
    {
        Assert.Equal(HttpStatusCode.OK, (await ListAsync(Sign(AccessToken()))).StatusCode);
    }

    [Fact]
    public async Task AccessToken_WithAMatchingAud_IsAccepted()
    {
        Assert.Equal(HttpStatusCode.OK, (await ListAsync(Sign(With(AccessToken(), "aud", ClientId)))).StatusCode);
    }

    public static TheoryData<string, string> RefusedTokens => new()
    {
        { "id token", "ID token" },
        { "no token_use", "not a Cognito access token" },
        { "another client", "another app client" },
        { "another aud", "another API" },
        { "no scope", "'openid' scope" },
        { "other scopes only", "'openid' scope" },
        { "no sub", "no usable user" },
        { "empty sub", "no usable user" },
        { "sub with #", "no usable user" },
        { "sub with a space", "no usable user" },
    };

    [Theory]
    [MemberData(nameof(RefusedTokens))]
    public async Task SignedToken_TheAuthorizerWouldRefuse_Is401_WithADetail(string variant, string detail)
    {
        var claims = variant switch
        {
            "id token" => With(With(AccessToken(), "token_use", "id"), "aud", ClientId),
            "no token_use" => With(AccessToken(), "token_use", null),
            "another client" => With(AccessToken(), "client_id", "someone-else"),
            "another aud" => With(AccessToken(), "aud", "another-api"),
            "no scope" => With(AccessToken(), "scope", null),
            "other scopes only" => With(AccessToken(), "scope", "email openidx profile"),
            "no sub" => With(AccessToken(), "sub", null),
            "empty sub" => AccessToken(""),
            "sub with #" => AccessToken("a#C#b"),
            _ => AccessToken("two words"),
        };

        var problem = await Problems.AssertUnauthorizedAsync(await ListAsync(Sign(claims)), bearerError: true);

        Assert.Contains(detail, problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_ExpiredLongerAgoThanTheClockSkew_Is401_ThatSaysExpired()
    {
        var expired = Sign(AccessToken(), expires: DateTime.UtcNow.AddSeconds(-45));

        var problem = await Problems.AssertUnauthorizedAsync(await ListAsync(expired), bearerError: true);

        Assert.Contains("expired", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_SignedByAnotherKey_Is401_WithAGenericDetail()
    {
        var forged = Sign(AccessToken(), key: new RsaSecurityKey(RSA.Create(2048)) { KeyId = "test-key" });

        var problem = await Problems.AssertUnauthorizedAsync(await ListAsync(forged), bearerError: true);

        Assert.Equal("The access token is not valid for this API. Sign in again.", problem.Detail);
    }

    [Fact]
    public async Task Token_SignedWithAnHmacKey_IsRefused()
    {
        var hmac = Sign(AccessToken(), key: new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)), algorithm: SecurityAlgorithms.HmacSha256);

        await Problems.AssertUnauthorizedAsync(await ListAsync(hmac), bearerError: true);
    }

    [Fact]
    public async Task NoToken_Is401_ThatSaysHowToSendOne()
    {
        var problem = await Problems.AssertUnauthorizedAsync(await ListAsync(null), bearerError: false);

        Assert.Contains("Authorization: Bearer", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void ClockSkew_IsAtMostThirtySeconds()
    {
        var options = _app.Services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);

        Assert.True(options.TokenValidationParameters.ClockSkew <= TimeSpan.FromSeconds(30));
    }
}

/// <summary>Auth:Jwt:Authority must be https, or http on loopback with the explicit development switch; anything else stops the app at start.</summary>
public sealed class JwtAuthoritySettingTests
{
    private static ApiTestApp AppWith(string authority, bool allowHttpOnLoopback = false) => new(new ScriptedChatClient("ok"), new Dictionary<string, string?>
    {
        ["Auth:Mode"] = "Jwt",
        ["Auth:Jwt:Authority"] = authority,
        ["Auth:Jwt:Audience"] = "client",
        ["Auth:Jwt:AllowHttpOnLoopback"] = allowHttpOnLoopback ? "true" : "false",
    });

    [Theory]
    [InlineData("http://issuer.example.com/pool", false, "must use https")]
    [InlineData("http://issuer.example.com/pool", true, "must use https")]
    [InlineData("http://127.0.0.1:9000", false, "Auth:Jwt:AllowHttpOnLoopback=true")]
    [InlineData("cognito-idp.eu-west-1.amazonaws.com/pool", false, "not an absolute https URL")]
    [InlineData("ftp://issuer.example.com", false, "not an absolute https URL")]
    public void Authority_ThatIsNotHttps_StopsTheApp(string authority, bool allowHttpOnLoopback, string message)
    {
        var options = new Identity.AuthOptions
        {
            Mode = Identity.AuthMode.Jwt,
            Jwt = new Identity.JwtAuthOptions { Authority = authority, Audience = "client", AllowHttpOnLoopback = allowHttpOnLoopback },
        };

        var result = new Identity.AuthOptionsValidator().Validate(null, options);

        Assert.Contains(message, Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpAuthority_OnLoopback_WithTheDevelopmentSwitch_Starts()
    {
        using var app = AppWith("http://127.0.0.1:9000/issuer", allowHttpOnLoopback: true);

        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().GetAsync("/api/health")).StatusCode);
    }

    [Fact]
    public async Task HttpAuthority_IsRefusedAtStart_WithOneReadableLine()
    {
        var (exitCode, output) = await StartupGuardTests.RunApiAsync(new Dictionary<string, string>
        {
            ["Auth__Mode"] = "Jwt",
            ["Auth__Jwt__Authority"] = "http://issuer.example.com/pool",
            ["Auth__Jwt__Audience"] = "client",
        }, "--urls", "http://127.0.0.1:0");

        Assert.NotEqual(0, exitCode);
        var line = Assert.Single(output.Split('\n'), l => l.StartsWith("ChatBot cannot start: ", StringComparison.Ordinal));
        Assert.Contains("Auth:Jwt:Authority 'http://issuer.example.com/pool' must use https", line, StringComparison.Ordinal);
    }
}
