using ChatBot.Api.Identity;
using ChatBot.Core;
using Microsoft.Extensions.FileProviders;

namespace ChatBot.Api.Infrastructure;

/// <summary>Where the built web app lives, bound from the <c>Web</c> configuration section.</summary>
public sealed class WebOptions
{
    public const string SectionName = "Web";

    /// <summary>The folder of the built web app (frontend/dist), relative to the working directory. Empty: serve the API only.</summary>
    public string? Root { get; set; }

    /// <summary>
    /// With Auth:Mode=Jwt against Cognito: the hosted UI domain (https://&lt;prefix&gt;.auth.&lt;region&gt;.amazoncognito.com),
    /// where the web app signs out. Unset, it signs out at the provider's end_session_endpoint.
    /// </summary>
    public string? CognitoDomain { get; set; }
}

public static class WebAppExtensions
{
    /// <summary>
    /// Locally the API also serves the web app and its config.json, so one process on one port is the whole product.
    /// In AWS, CloudFront serves both from S3 and this does nothing because Web:Root is unset.
    /// </summary>
    public static WebApplication MapWebApp(this WebApplication app)
    {
        var web = app.Configuration.GetSection(WebOptions.SectionName).Get<WebOptions>() ?? new WebOptions();
        var root = web.Root;
        if (string.IsNullOrWhiteSpace(root))
        {
            return app;
        }

        var path = Path.GetFullPath(root);
        if (!File.Exists(Path.Combine(path, "index.html")))
        {
            throw new StartupException(
                $"Web:Root points at '{path}', which has no index.html. Build the web app first (cd frontend && npm ci && npm run build), or unset Web:Root to serve the API only.");
        }

        var files = new PhysicalFileProvider(path);
        var auth = app.Configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
        var config = WebAppConfig(auth, web);
        // The same security headers CloudFront adds to the deployed site; the page talks to the sign-in issuer only in Jwt mode.
        var headers = WebSecurityHeaders.Local(auth.Mode == AuthMode.Jwt ? SignInOrigins(auth.Jwt.Authority, web.CognitoDomain) : []);
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                foreach (var (name, value) in headers)
                {
                    context.Response.Headers[name] = value;
                }

                return Task.CompletedTask;
            });
            return next(context);
        });
        // The composer shows the size left and stops at the same limit the API enforces.
        config["maxMessageBytes"] = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ChatBot.Core.ChatServiceOptions>>().Value.MaxMessageBytes;
        app.MapMethods("/config.json", HttpExtensions.GetAndHead, () => TypedResults.Json(config));
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
        // Client-side routes get the app; unknown /api routes keep their 404 (see ConversationsApi).
        app.MapFallbackToFile("index.html", new StaticFileOptions { FileProvider = files });
        return app;
    }

    /// <summary>
    /// What the web app reads at start-up. In Jwt mode it signs in at the same issuer and client the API checks tokens
    /// against (oidcAuthority replaces the Cognito issuer derived from region and pool, see frontend/src/config.ts);
    /// otherwise it runs in local mode with the development-user switcher.
    /// </summary>
    private static Dictionary<string, object?> WebAppConfig(AuthOptions auth, WebOptions web) => auth.Mode == AuthMode.Jwt
        ? new()
        {
            ["apiBasePath"] = "/api",
            ["oidcAuthority"] = auth.Jwt.Authority,
            ["userPoolClientId"] = auth.Jwt.Audience,
            ["cognitoDomain"] = web.CognitoDomain,
        }
        : new()
        {
            ["mode"] = "local",
            ["apiBasePath"] = "/api",
            // The user switcher checks names with the server's own rule, so a name it accepts is one the API accepts.
            ["userIdPattern"] = UserIds.Pattern,
            ["userIdRule"] = UserIds.Rule,
        };

    private static IEnumerable<string> SignInOrigins(params string?[] urls) =>
        urls.Where(u => Uri.TryCreate(u, UriKind.Absolute, out _)).Select(u => new Uri(u!).GetLeftPart(UriPartial.Authority)).Distinct();
}
