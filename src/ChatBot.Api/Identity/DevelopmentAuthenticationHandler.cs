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
        return Task.FromResult(UserIds.Authenticate(
            userId.Length == 0 ? UserIds.DefaultDevelopmentUser : userId, SchemeName, $"The {UserIds.DevelopmentHeader} header"));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties) =>
        await UnauthorizedProblem.WriteAsync(Context, SchemeName, (await HandleAuthenticateOnceSafeAsync()).Failure,
            $"Send the user name in the {UserIds.DevelopmentHeader} header: {UserIds.Rule}.");
}
