using System.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace ChatBot.Api.Infrastructure;

/// <summary>
/// The last problem writer: it writes application/problem+json whatever the request's Accept header says. The framework's
/// own writer declines when Accept names no JSON type (a browser's text/html, an SSE client's text/event-stream), which
/// leaves an error with an empty body, or makes IProblemDetailsService.WriteAsync throw (a 500). A client of a JSON API
/// always gets a problem it can read.
/// </summary>
internal sealed class ProblemJsonWriter(IOptions<ProblemDetailsOptions> problems, IOptions<JsonOptions> json) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var problem = context.ProblemDetails;
        problem.Status ??= http.Response.StatusCode;
        problem.Title ??= Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(problem.Status.Value);
        problem.Extensions.TryAdd("traceId", Activity.Current?.Id ?? http.TraceIdentifier);
        problems.Value.CustomizeProblemDetails?.Invoke(context);
        return new ValueTask(http.Response.WriteAsJsonAsync(problem, json.Value.SerializerOptions, "application/problem+json", http.RequestAborted));
    }
}
