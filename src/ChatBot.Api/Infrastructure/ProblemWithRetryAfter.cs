using Microsoft.AspNetCore.Mvc;

namespace ChatBot.Api.Infrastructure;

/// <summary>A ProblemDetails response that also sets the Retry-After header when the problem carries one.</summary>
public sealed class ProblemWithRetryAfter(ProblemDetails problem) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        if (ErrorMapping.RetryAfterSeconds(problem) is { } seconds)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return TypedResults.Problem(problem).ExecuteAsync(httpContext);
    }
}
