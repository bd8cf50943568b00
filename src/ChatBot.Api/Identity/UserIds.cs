using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;

namespace ChatBot.Api.Identity;

/// <summary>
/// The one rule for a user id, in every identity mode: a Cognito <c>sub</c> (a UUID), a local development name, or
/// whatever claim another issuer puts in <c>sub</c> must pass it before the app uses it. User ids start every storage
/// key, so only a safe alphabet passes: no '#' (the DynamoDB key separator), no spaces, no control characters.
/// The web app's user switcher learns the same rule from <c>/config.json</c> (<see cref="Pattern"/>, <see cref="Rule"/>).
/// </summary>
public static class UserIds
{
    public const string DevelopmentHeader = "X-ChatBot-User";
    public const string DefaultDevelopmentUser = "local";
    public const int MaxLength = 128;

    /// <summary>The characters allowed besides ASCII letters and digits ('-' last, so <see cref="Pattern"/> reads it literally).</summary>
    public const string Punctuation = "._@+-";

    /// <summary>The rule as people read it, used in every 401 about a user id and in the web app's switcher.</summary>
    public static readonly string Rule = $"1–{MaxLength} letters, digits, or {string.Join(' ', Punctuation.ToCharArray())}";

    /// <summary>The same rule as a regular expression that JavaScript and .NET read alike (the web app tests names with it).</summary>
    public static readonly string Pattern = $"^[A-Za-z0-9{Punctuation}]{{1,{MaxLength}}}$";

    public static bool IsValid(string? userId) =>
        userId is { Length: > 0 and <= MaxLength } && userId.All(c => char.IsAsciiLetterOrDigit(c) || Punctuation.Contains(c, StringComparison.Ordinal));

    /// <summary>
    /// The ticket for a verified <paramref name="sub"/>, or a 401 whose detail says what is wrong with it. Every
    /// authentication handler ends here, so no mode can let an unusable id through to storage.
    /// </summary>
    public static AuthenticateResult Authenticate(string? sub, string scheme, string source) => IsValid(sub)
        ? AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", sub!)], scheme)), scheme))
        : AuthenticateResult.Fail(new IdentityRejectedException(string.IsNullOrEmpty(sub)
            ? $"{source} names no user."
            : $"{source} names a user id the API does not accept: use {Rule}."));

    /// <summary>The caller's id; every authentication handler has checked it with <see cref="IsValid"/>.</summary>
    public static string GetUserId(this ClaimsPrincipal user) =>
        user.FindFirstValue("sub") ?? throw new InvalidOperationException("The authenticated principal has no 'sub' claim.");
}
