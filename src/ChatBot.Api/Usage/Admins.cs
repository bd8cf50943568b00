using System.Security.Claims;
using ChatBot.Api.Identity;
using ChatBot.Core.Usage;
using Microsoft.Extensions.Options;

namespace ChatBot.Api.Usage;

/// <summary>
/// Who may use the admin routes: with Cognito (Jwt and ApiGateway modes), members of the user pool's <c>admins</c> group,
/// as the access token's <c>cognito:groups</c> claim says; locally (Development mode), the users listed in Usage:Admins.
/// Everyone else gets the 404 of a route that does not exist, so the routes do not announce themselves.
/// </summary>
public static class Admins
{
    public const string Group = "admins";
    public const string GroupsClaim = "cognito:groups";

    public static bool IsAdmin(ClaimsPrincipal user, AuthMode mode, UsageOptions usage) => mode == AuthMode.Development
        ? usage.Admins.Contains(user.GetUserId(), StringComparer.Ordinal)
        : user.FindAll(GroupsClaim).SelectMany(c => SplitGroups(c.Value)).Contains(Group, StringComparer.Ordinal);

    /// <summary>
    /// A token's groups are a JSON array (one claim each); API Gateway's authorizer flattens them into one string such as
    /// <c>[admins editors]</c> or <c>admins,editors</c>.
    /// </summary>
    public static IEnumerable<string> SplitGroups(string value) =>
        value.Split(['[', ']', ',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>An endpoint filter: the admin routes exist only for admins.</summary>
    public static async ValueTask<object?> OnlyAdmins(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var services = context.HttpContext.RequestServices;
        return IsAdmin(
            context.HttpContext.User,
            services.GetRequiredService<IOptions<AuthOptions>>().Value.Mode,
            services.GetRequiredService<IOptions<UsageOptions>>().Value)
            ? await next(context)
            : TypedResults.Problem(Infrastructure.ErrorMapping.Problem(StatusCodes.Status404NotFound, "Not found.", "There is no such API route."));
    }
}
