using Microsoft.AspNetCore.Diagnostics;

namespace ChatBot.Api.Infrastructure;

/// <summary>Every exception becomes an application/problem+json answer; unknown ones are logged and told apart from known ones.</summary>
public sealed partial class ProblemDetailsExceptionHandler(IProblemDetailsService problemDetails, ILogger<ProblemDetailsExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = ErrorMapping.ToProblem(exception);
        if (problem.Status >= 500)
        {
            LogFailure(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
        }

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

    [LoggerMessage(Level = LogLevel.Error, Message = "Request {Method} {Path} failed")]
    private static partial void LogFailure(ILogger logger, Exception exception, string method, string path);
}
