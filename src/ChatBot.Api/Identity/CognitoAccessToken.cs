using System.Security.Claims;

namespace ChatBot.Api.Identity;

/// <summary>
/// What API Gateway's Cognito authorizer requires of a token when a method has authorization scopes (as ChatBot's
/// proxy route does): an access token (<c>token_use=access</c>) issued to the app client, carrying the scope. ID tokens
/// are refused. Jwt mode applies the same rule, so the local and deployed APIs accept the same tokens.
/// </summary>
public static class CognitoAccessToken
{
    /// <summary>Why the signed, unexpired token is still refused, in words for the caller; null when it is acceptable.</summary>
    public static string? Refusal(ClaimsPrincipal token, JwtAuthOptions jwt)
    {
        var use = token.FindFirstValue("token_use");
        if (use != "access")
        {
            return use == "id"
                ? "This is an ID token; the API accepts only access tokens. Send the access token."
                : "The token is not a Cognito access token (token_use=access). Send the access token.";
        }

        if (token.FindFirstValue("client_id") != jwt.Audience)
        {
            return "The access token was issued to another app client.";
        }

        var audiences = token.FindAll("aud").Select(a => a.Value).ToList();
        if (audiences.Count > 0 && !audiences.Contains(jwt.Audience!, StringComparer.Ordinal))
        {
            return "The access token is meant for another API (aud).";
        }

        var scopes = token.FindAll("scope").SelectMany(s => s.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        if (!scopes.Contains(jwt.RequiredScope, StringComparer.Ordinal))
        {
            return $"The access token lacks the '{jwt.RequiredScope}' scope. Sign in again.";
        }

        return UserIds.IsValid(token.FindFirstValue("sub"))
            ? null
            : $"The access token names no usable user (sub): it must be {UserIds.Rule}.";
    }
}
