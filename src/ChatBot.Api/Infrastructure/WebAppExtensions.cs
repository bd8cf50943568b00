using Microsoft.Extensions.FileProviders;

namespace ChatBot.Api.Infrastructure;

/// <summary>Where the built web app lives, bound from the <c>Web</c> configuration section.</summary>
public sealed class WebOptions
{
    public const string SectionName = "Web";

    /// <summary>The folder of the built web app (frontend/dist). Relative paths start at the content root. Empty: serve the API only.</summary>
    public string? Root { get; set; }
}

public static class WebAppExtensions
{
    /// <summary>
    /// Locally the API also serves the web app and its config.json, so one process on one port is the whole product.
    /// In AWS, CloudFront serves both from S3 and this does nothing because Web:Root is unset.
    /// </summary>
    public static WebApplication MapWebApp(this WebApplication app)
    {
        var root = app.Configuration.GetSection(WebOptions.SectionName).Get<WebOptions>()?.Root;
        if (string.IsNullOrWhiteSpace(root))
        {
            return app;
        }

        var path = Path.GetFullPath(Path.Combine(app.Environment.ContentRootPath, root));
        if (!File.Exists(Path.Combine(path, "index.html")))
        {
            throw new InvalidOperationException(
                $"Web:Root points at '{path}', which has no index.html. Build the web app first (cd frontend && npm ci && npm run build), or unset Web:Root to serve the API only.");
        }

        var files = new PhysicalFileProvider(path);
        app.MapGet("/config.json", () => TypedResults.Json(new { mode = "local", apiBasePath = "/api" }));
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
        // Client-side routes get the app; unknown /api routes keep their 404 (see ConversationsApi).
        app.MapFallbackToFile("index.html", new StaticFileOptions { FileProvider = files });
        return app;
    }
}
