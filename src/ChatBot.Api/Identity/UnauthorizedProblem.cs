using ChatBot.Api.Infrastructure;
using Microsoft.IdentityModel.Tokens;

namespace ChatBot.Api.Identity;

/// <summary>
/// Every 401 the API sends: an application/problem+json body whose detail says what to do, and a bare
/// <c>WWW-Authenticate</c> challenge. The token library's own error text (which can name types, keys and claims) is
/// logged under the trace id, never sent; a refusal the app itself worded (<see cref="IdentityRejectedException"/>) is sent as is.
/// </summary>
public static partial class UnauthorizedProblem
{
    public const string Title = "Sign-in required.";

    /// <param name="http">The request being refused.</param>
    /// <param name="scheme">The <c>WWW-Authenticate</c> scheme (<c>Bearer</c> for tokens).</param>
    /// <param name="failure">Why the credentials sent were refused, or null when none were sent.</param>
    /// <param name="whenAbsent">The detail when no credentials were sent: how this mode expects them.</param>
    public static async Task WriteAsync(HttpContext http, string scheme, Exception? failure, string whenAbsent)
    {
        if (failure is not null and not IdentityRejectedException)
        {
            var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(UnauthorizedProblem));
            LogRefused(logger, failure, scheme, System.Diagnostics.Activity.Current?.Id ?? http.TraceIdentifier);
        }

        http.Response.StatusCode = StatusCodes.Status401Unauthorized;
        // RFC 6750: the scheme, and an error code when credentials were sent; never an error_description.
        http.Response.Headers.WWWAuthenticate = failure is null ? scheme : $"{scheme} error=\"invalid_token\"";
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = ErrorMapping.Problem(StatusCodes.Status401Unauthorized, Title, Detail(failure) ?? whenAbsent),
        });
    }

    private static string? Detail(Exception? failure) => failure switch
    {
        null => null,
        IdentityRejectedException rejected => rejected.Message,
        SecurityTokenExpiredException => "The access token has expired. Sign in again.",
        SecurityTokenNotYetValidException => "The access token is not valid yet. Check this device's clock, then sign in again.",
        _ => "The access token is not valid for this API. Sign in again.",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "{Scheme} refused the caller's credentials (trace {TraceId})")]
    private static partial void LogRefused(ILogger logger, Exception failure, string scheme, string traceId);
}
