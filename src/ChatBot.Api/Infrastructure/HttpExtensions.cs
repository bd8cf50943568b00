using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatBot.Api.Infrastructure;

public static class HttpExtensions
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>The local default is loopback port 5080, used only when no listen address is configured at all.</summary>
    /// <remarks>
    /// Not a <c>Urls</c> entry in appsettings.json: that would outrank <c>ASPNETCORE_URLS</c> (host variables load first),
    /// and on Lambda the app would listen on 5080 while the Web Adapter waits on the port the stack set.
    /// </remarks>
    public static WebApplicationBuilder ListenOnLoopbackByDefault(this WebApplicationBuilder builder)
    {
        string[] addressKeys = ["urls", "http_ports", "https_ports"];
        if (addressKeys.All(key => string.IsNullOrWhiteSpace(builder.Configuration[key])))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        return builder;
    }

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
        builder.AddRequestLimits();
        return builder;
    }

    /// <summary>
    /// A status the framework sets without a body (401 from a challenge, 404 for a missing file, ...) gets a problem body,
    /// whatever the Accept header says: a client of a JSON API always gets JSON it can read.
    /// </summary>
    public static IApplicationBuilder UseStatusCodeProblems(this IApplicationBuilder app) =>
        app.UseStatusCodePages(context =>
        {
            var status = context.HttpContext.Response.StatusCode;
            var title = Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);
            var detail = status == StatusCodes.Status401Unauthorized
                ? "This route needs a signed-in user, and the request carried no usable identity."
                : $"The server answered {status} {title}.";
            return TypedResults.Problem(ErrorMapping.Problem(status, title.Length > 0 ? title : "Error.", detail)).ExecuteAsync(context.HttpContext);
        });

    /// <summary>HEAD is answered wherever GET is (the server sends the headers without the body).</summary>
    public static RouteHandlerBuilder MapGetAndHead(this IEndpointRouteBuilder endpoints, string pattern, Delegate handler) =>
        endpoints.MapMethods(pattern, [HttpMethods.Get, HttpMethods.Head], handler);
}
