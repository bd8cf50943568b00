using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace ChatBot.Api.Identity;

/// <summary>Local mode: whoever the X-ChatBot-User header says, "local" by default, so isolation can be tried by hand.</summary>
public sealed class DevelopmentAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Development";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var userId = Request.Headers[UserIds.DevelopmentHeader].ToString();
        if (userId.Length == 0)
        {
            userId = UserIds.DefaultDevelopmentUser;
        }

        if (!UserIds.IsValid(userId))
        {
            return Task.FromResult(AuthenticateResult.Fail(
                $"{UserIds.DevelopmentHeader} must be 1-128 letters, digits, '-', '_', '.' or '@'."));
        }

        var identity = new ClaimsIdentity([new Claim("sub", userId)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}
