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
        // No "Server: Kestrel": it tells a scanner what to try and nobody else anything.
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel => kestrel.AddServerHeader = false);
        MoveHostFilteringAfterStatusCodePages(builder.Services);
        builder.Services.AddProblemDetails(problems => problems.CustomizeProblemDetails = context =>
            context.ProblemDetails.Detail ??= ErrorMapping.DefaultDetail(context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode));
        // After the framework's writer, so it only takes what that one declines (see ProblemJsonWriter).
        builder.Services.AddSingleton<IProblemDetailsWriter, ProblemJsonWriter>();
        builder.Services.AddExceptionHandler<ProblemDetailsExceptionHandler>();
        builder.AddRequestLimits();
        return builder;
    }

    /// <summary>
    /// HEAD is answered wherever GET is (the server sends the headers without the body): map reads with
    /// <c>MapMethods(pattern, GetAndHead, handler)</c>. The handler is written at the call site, not passed through a helper,
    /// because only there can the request delegate generator see it; a handler it cannot see is compiled from expression
    /// trees by the first request, which on Lambda is cold-start time.
    /// </summary>
    public static readonly string[] GetAndHead = [HttpMethods.Get, HttpMethods.Head];

    /// <summary>
    /// The web host puts host filtering first in the pipeline, where its 400 has no body. Program.cs places it after
    /// UseStatusCodePages instead, so a refused Host name gets a problem like every other 400.
    /// </summary>
    private static void MoveHostFilteringAfterStatusCodePages(IServiceCollection services)
    {
        foreach (var descriptor in services.Where(s => s.ServiceType == typeof(IStartupFilter) && s.ImplementationType?.Name == "HostFilteringStartupFilter").ToList())
        {
            services.Remove(descriptor);
        }
    }
}
