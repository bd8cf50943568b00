using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatBot.Api.Infrastructure;

public static class HttpExtensions
{
    /// <summary>JSON shape, ProblemDetails for every error, and bad-request exceptions that reach the handler with their reason.</summary>
    public static IHostApplicationBuilder AddChatBotHttp(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
            json.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        });
        // Malformed JSON and wrong types throw, so the exception handler can say what was wrong instead of an empty 400.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ProblemDetailsExceptionHandler>();
        return builder;
    }
}
