using Microsoft.AspNetCore.Routing.Template;

namespace ChatBot.Api.Infrastructure;

/// <summary>
/// What answers a request under /api that no endpoint took: 405 with <c>Allow</c> when the path exists for other methods,
/// else 404. Without it, the web app's client-side routes would answer unknown API paths with index.html.
/// </summary>
public static class ApiFallback
{
    public static IEndpointConventionBuilder MapApiFallback(this IEndpointRouteBuilder app, string prefix) =>
        app.Map($"{prefix}/{{**path}}", (HttpContext http, EndpointDataSource endpoints) =>
        {
            var allowed = AllowedMethods(endpoints, http.Request.Path);
            if (allowed.Count == 0)
            {
                return TypedResults.Problem(ErrorMapping.Problem(StatusCodes.Status404NotFound, "Not found.", "There is no such API route."));
            }

            http.Response.Headers.Allow = string.Join(", ", allowed);
            return TypedResults.Problem(ErrorMapping.Problem(
                StatusCodes.Status405MethodNotAllowed, "The method is not allowed.", $"{http.Request.Method} is not supported here. Use {string.Join(", ", allowed)}."));
        }).AllowAnonymous();

    /// <summary>The methods of every endpoint whose route matches the path, catch-all routes aside.</summary>
    private static SortedSet<string> AllowedMethods(EndpointDataSource endpoints, PathString path)
    {
        var allowed = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in endpoints.Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.RoutePattern.RawText is not { } pattern || pattern.Contains("{*", StringComparison.Ordinal) || pattern.Contains("{**", StringComparison.Ordinal)
                || endpoint.Metadata.GetMetadata<IHttpMethodMetadata>() is not { } methods)
            {
                continue;
            }

            var matcher = new TemplateMatcher(TemplateParser.Parse(pattern), new RouteValueDictionary());
            if (matcher.TryMatch(path, new RouteValueDictionary()))
            {
                allowed.UnionWith(methods.HttpMethods);
            }
        }

        return allowed;
    }
}
