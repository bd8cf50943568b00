using System.IdentityModel.Tokens.Jwt;
using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace ChatBot.Api.Tests;

/// <summary>Auth:Mode=Jwt with real tokens signed by a test key, shaped like Cognito's ID and access tokens.</summary>
public sealed class JwtModeTests
{
    private const string Issuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TEST";
    internal const string ClientId = "webclient123";
    private static readonly RsaSecurityKey Key = new(RSA.Create(2048)) { KeyId = "test-key" };

    internal sealed class JwtApp() : ChatBotApp(new ScriptedChatClient("ok"), new Dictionary<string, string?>
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

    internal static string Token(string sub, IEnumerable<Claim> clientClaims, SecurityKey? key = null)
    {
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Subject = new ClaimsIdentity([new Claim("sub", sub), .. clientClaims]),
            Expires = DateTime.UtcNow.AddMinutes(5),
            SigningCredentials = new SigningCredentials(key ?? Key, SecurityAlgorithms.RsaSha256),
        };
        return new JwtSecurityTokenHandler().CreateEncodedJwt(descriptor);
    }

    private static async Task<HttpStatusCode> ListAsync(JwtApp app, string token)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        var response = await client.GetAsync("/api/conversations");
        TestContext.Current.TestOutputHelper?.WriteLine(response.Headers.WwwAuthenticate.ToString());
        return response.StatusCode;
    }

    [Fact]
    public async Task AccessToken_ForTheConfiguredClient_IsAccepted()
    {
        using var app = new JwtApp();

        Assert.Equal(HttpStatusCode.OK, await ListAsync(app, Token("user-1", [new Claim("client_id", ClientId), new Claim("token_use", "access")])));
    }

    [Fact]
    public async Task IdToken_ForTheConfiguredClient_IsAccepted()
    {
        using var app = new JwtApp();

        Assert.Equal(HttpStatusCode.OK, await ListAsync(app, Token("user-1", [new Claim("aud", ClientId), new Claim("token_use", "id")])));
    }

    [Fact]
    public async Task Token_ForAnotherClient_IsRefused()
    {
        using var app = new JwtApp();

        Assert.Equal(HttpStatusCode.Unauthorized, await ListAsync(app, Token("user-1", [new Claim("client_id", "someone-else")])));
    }

    [Fact]
    public async Task Token_SignedByAnotherKey_IsRefused()
    {
        using var app = new JwtApp();
        var forged = Token("user-1", [new Claim("client_id", ClientId)], new RsaSecurityKey(RSA.Create(2048)) { KeyId = "test-key" });

        Assert.Equal(HttpStatusCode.Unauthorized, await ListAsync(app, forged));
    }

    [Fact]
    public async Task NoToken_IsRefused()
    {
        using var app = new JwtApp();

        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().GetAsync("/api/conversations")).StatusCode);
    }
}
