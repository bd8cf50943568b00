using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace ChatBot.Api.Infrastructure;

/// <summary>
/// Reads a route's JSON body with the answers HTTP expects: an empty body is "no body" (null, for the route to judge), a
/// body that is not JSON is 415, malformed JSON is 400. Framework binding would instead drop the route for a wrong content
/// type, so the client saw a 404 for a route that exists.
/// </summary>
public static class JsonBody
{
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(HttpContext http)
        where T : class
    {
        // Read up to the body limit and no further, whatever the server enforces (a body without a declared length included).
        var limit = RequestLimits.MaxBodyBytes(http.RequestServices.GetRequiredService<IOptions<ChatBot.Core.ChatServiceOptions>>().Value);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return (null, RequestLimits.TooLarge(limit));
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0)
        {
            return (null, null);
        }

        if (!http.Request.HasJsonContentType())
        {
            return (null, TypedResults.Problem(ErrorMapping.Problem(
                StatusCodes.Status415UnsupportedMediaType, "The body must be JSON.", ErrorMapping.DefaultDetail(StatusCodes.Status415UnsupportedMediaType))));
        }

        var json = http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        try
        {
            buffer.Position = 0;
            return (JsonSerializer.Deserialize<T>(buffer, json), null);
        }
        catch (JsonException ex)
        {
            // Described as framework binding would be, by ErrorMapping: the JSON path of the fault, never the reader's own text.
            return (null, TypedResults.Problem(ErrorMapping.ToProblem(new BadHttpRequestException("The body is not valid JSON.", StatusCodes.Status400BadRequest, ex), http)));
        }
    }
}
