using Microsoft.AspNetCore.Diagnostics;

namespace ChatBot.Api.Infrastructure;

/// <summary>Every exception becomes an application/problem+json answer; the full text is logged under the trace id (ErrorMapping).</summary>
public sealed class ProblemDetailsExceptionHandler(IProblemDetailsService problemDetails)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = ErrorMapping.ToProblem(exception, httpContext);
        httpContext.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        if (ErrorMapping.RetryAfterSeconds(problem) is { } seconds)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (!await problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception }))
        {
            // The writer declines when Accept names no JSON type (an SSE client refused before its stream began): a problem
            // body is still the answer, because an empty one tells the client nothing.
            await TypedResults.Problem(problem).ExecuteAsync(httpContext);
        }

        return true;
    }
}
