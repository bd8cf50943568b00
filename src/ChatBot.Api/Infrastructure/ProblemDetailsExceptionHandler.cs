using Microsoft.AspNetCore.Diagnostics;

namespace ChatBot.Api.Infrastructure;

/// <summary>Every exception becomes an application/problem+json answer; the full text is logged under the trace id (ErrorMapping).</summary>
public sealed class ProblemDetailsExceptionHandler(IProblemDetailsService problemDetails)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = ErrorMapping.ToProblem(exception, httpContext);
        if (exception is Core.Usage.UsageLimitException limit)
        {
            Telemetry.ChatBotTelemetry.LimitRejections.Add(1, new KeyValuePair<string, object?>(Telemetry.TelemetryNames.LimitTag, limit.LimitName));
        }

        httpContext.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        ErrorMapping.SetRetryAfter(httpContext.Response, problem);

        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }
}
