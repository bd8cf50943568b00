using Microsoft.AspNetCore.Mvc;

namespace ChatBot.Api.Infrastructure;

/// <summary>A ProblemDetails response that also sets the Retry-After header when the problem carries one.</summary>
public sealed class ProblemWithRetryAfter(ProblemDetails problem) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        ErrorMapping.SetRetryAfter(httpContext.Response, problem);
        return TypedResults.Problem(problem).ExecuteAsync(httpContext);
    }
}
