using ChatBot.Core;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace ChatBot.Api.Infrastructure;

/// <summary>
/// Size limits for requests, answered with problem bodies. The body limit fits the largest valid request (a message at
/// Chat:MaxMessageBytes, every byte JSON-escaped as \u00XX, plus room for the other fields), so a client can't make the API
/// read megabytes to refuse them. The URL and header limits are checked here, below Kestrel's own, so that a request between
/// the two gets a problem body; beyond Kestrel's, Kestrel answers 414 or 431 itself, with an empty body.
/// </summary>
public static class RequestLimits
{
    public const int MinBodyBytes = 64 * 1024;
    public const int MaxUrlBytes = 8 * 1024;
    public const int MaxHeaderBytes = 32 * 1024;

    public static long MaxBodyBytes(ChatServiceOptions chat) => Math.Max(MinBodyBytes, (6L * chat.MaxMessageBytes) + 4096);

    /// <summary>Kestrel refuses what is far beyond the app's limits before anything is buffered.</summary>
    public static IHostApplicationBuilder AddRequestLimits(this IHostApplicationBuilder builder)
    {
        // Read raw, not through the validated options: an invalid Chat section must stop the app with its own message.
        var chat = new ChatServiceOptions();
        if (int.TryParse(builder.Configuration[$"{ChatServiceOptions.SectionName}:{nameof(ChatServiceOptions.MaxMessageBytes)}"], out var maxMessageBytes) && maxMessageBytes > 0)
        {
            chat.MaxMessageBytes = maxMessageBytes;
        }

        builder.Services.Configure<KestrelServerOptions>(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = MaxBodyBytes(chat);
            kestrel.Limits.MaxRequestLineSize = 2 * MaxUrlBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = 2 * MaxHeaderBytes;
        });
        return builder;
    }

    public static IApplicationBuilder UseRequestLimits(this IApplicationBuilder app)
    {
        // Resolved on first use, so that an invalid Chat section is reported by startup validation, not here.
        var limit = new Lazy<long>(() => MaxBodyBytes(app.ApplicationServices.GetRequiredService<IOptions<ChatServiceOptions>>().Value));
        return app.Use(async (context, next) =>
        {
            var request = context.Request;
            var maxBody = limit.Value;
            if (request.ContentLength > maxBody)
            {
                await TooLarge(maxBody).ExecuteAsync(context);
                return;
            }

            if (request.Path.Value?.Length + request.QueryString.Value?.Length > MaxUrlBytes)
            {
                await Refuse(context, StatusCodes.Status414UriTooLong, "The URL is too long.", $"URLs are limited to {MaxUrlBytes} characters.");
                return;
            }

            if (request.Headers.Sum(h => h.Key.Length + h.Value.Sum(v => v?.Length ?? 0)) > MaxHeaderBytes)
            {
                await Refuse(context, StatusCodes.Status431RequestHeaderFieldsTooLarge, "The request headers are too large.", $"Headers are limited to {MaxHeaderBytes} bytes in all.");
                return;
            }

            // A body without a declared length (chunked) is cut off by the server at the same limit, and that too ends as a 413 problem.
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            {
                feature.MaxRequestBodySize = maxBody;
            }

            await next(context);
        });
    }

    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult TooLarge(long maxBody) =>
        TypedResults.Problem(ErrorMapping.Problem(StatusCodes.Status413PayloadTooLarge, "The request is too large.", $"Request bodies are limited to {maxBody} bytes."));

    private static Task Refuse(HttpContext context, int status, string title, string detail) =>
        TypedResults.Problem(ErrorMapping.Problem(status, title, detail)).ExecuteAsync(context);
}
