using System.Security.Claims;

namespace ChatBot.Api.Identity;

public static class UserIds
{
    public const string DevelopmentHeader = "X-ChatBot-User";
    public const string DefaultDevelopmentUser = "local";

    /// <summary>
    /// User ids become the start of storage keys, so only a safe alphabet passes: no '#' (the key separator), no spaces.
    /// Cognito subs (UUIDs) and simple local names fit.
    /// </summary>
    public static bool IsValid(string? userId) =>
        userId is { Length: > 0 and <= 128 } && userId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@');

    /// <summary>The caller's id; endpoints behind RequireAuthorization always have one.</summary>
    public static string GetUserId(this ClaimsPrincipal user) =>
        user.FindFirstValue("sub") ?? throw new InvalidOperationException("The authenticated principal has no 'sub' claim.");
}
