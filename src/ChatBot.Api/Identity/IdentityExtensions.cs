using ChatBot.Core;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;

namespace ChatBot.Api.Identity;

public static class IdentityExtensions
{
    /// <summary>One authentication scheme, chosen by Auth:Mode, and the guards that keep the unsafe modes where they belong.</summary>
    public static IHostApplicationBuilder AddChatBotIdentity(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
        builder.Services.Configure<AuthOptions>(builder.Configuration.GetSection(AuthOptions.SectionName));
        var onLambda = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_LAMBDA_FUNCTION_NAME"));

        var authentication = options.Mode switch
        {
            AuthMode.Development when onLambda => throw new StartupException(
                "Auth:Mode=Development is refused on AWS Lambda: it trusts a header anyone can set. Use Auth:Mode=ApiGateway or Jwt."),
            AuthMode.Development => builder.Services.AddAuthentication(DevelopmentAuthenticationHandler.SchemeName)
                .AddScheme<AuthenticationSchemeOptions, DevelopmentAuthenticationHandler>(DevelopmentAuthenticationHandler.SchemeName, null),
            AuthMode.ApiGateway when !onLambda && !options.AllowApiGatewayOffLambda => throw new StartupException(
                "Auth:Mode=ApiGateway only works on AWS Lambda behind API Gateway, where the request context header cannot be forged. " +
                "Locally, use Auth:Mode=Development or Jwt."),
            AuthMode.ApiGateway => builder.Services.AddAuthentication(ApiGatewayAuthenticationHandler.SchemeName)
                .AddScheme<AuthenticationSchemeOptions, ApiGatewayAuthenticationHandler>(ApiGatewayAuthenticationHandler.SchemeName, null),
            AuthMode.Jwt => AddJwt(builder, options.Jwt),
            _ => throw new StartupException($"Auth:Mode is '{options.Mode}', which is not supported. Use one of: {string.Join(", ", Enum.GetNames<AuthMode>())}."),
        };

        builder.Services.AddAuthorization();
        SkipKeyRingWarmup(builder.Services);
        if (options.Mode == AuthMode.Development && !options.AllowDevelopmentOffLoopback)
        {
            builder.Services.AddHostedService<DevelopmentModeGuard>();
        }

        return builder;
    }

    /// <summary>
    /// AddAuthentication also registers ASP.NET Core Data Protection, whose hosted service reads (on a fresh Lambda
    /// instance: creates, and fails to persist) an XML key ring before the app starts listening. ChatBot protects nothing
    /// with it (no cookies, no antiforgery), so on Lambda that is cold-start time for nothing; the key ring would still
    /// load on first use. See the cold-start section of docs/benchmarks.md.
    /// </summary>
    private static void SkipKeyRingWarmup(IServiceCollection services)
    {
        const string keyRingWarmup = "Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService";
        foreach (var descriptor in services.Where(s => s.ServiceType == typeof(IHostedService) && s.ImplementationType?.FullName == keyRingWarmup).ToList())
        {
            services.Remove(descriptor);
        }
    }

    private static AuthenticationBuilder AddJwt(IHostApplicationBuilder builder, JwtAuthOptions jwt)
    {
        if (string.IsNullOrWhiteSpace(jwt.Authority) || string.IsNullOrWhiteSpace(jwt.Audience))
        {
            throw new StartupException(
                "Auth:Mode=Jwt needs Auth:Jwt:Authority (the issuer URL, e.g. https://cognito-idp.eu-west-1.amazonaws.com/<pool id>) " +
                "and Auth:Jwt:Audience (the app client id).");
        }

        return builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(bearer =>
        {
            bearer.Authority = jwt.Authority;
            bearer.MapInboundClaims = false;
            // Cognito ID tokens name the app client in "aud", access tokens in "client_id" (and have no "aud"), so the
            // audience check accepts either claim, but only with the configured client.
            bearer.TokenValidationParameters.ValidateAudience = false;
            bearer.Events = new JwtBearerEvents
            {
                OnTokenValidated = context =>
                {
                    var principal = context.Principal!;
                    var client = principal.FindFirst("client_id")?.Value;
                    if (client != jwt.Audience && !principal.FindAll("aud").Any(a => a.Value == jwt.Audience))
                    {
                        context.Fail($"The token was not issued to the client '{jwt.Audience}'.");
                    }

                    return Task.CompletedTask;
                },
            };
        });
    }

    /// <summary>
    /// Development mode trusts a header, so it refuses to serve anything beyond this machine unless told to. It checks the
    /// configured addresses before the server starts, so nothing ever listens (or says it does) on an address it refuses.
    /// </summary>
    private sealed class DevelopmentModeGuard(IConfiguration configuration) : IHostedLifecycleService
    {
        public Task StartingAsync(CancellationToken cancellationToken)
        {
            var exposed = ConfiguredAddresses().Where(a => !IsLoopback(a)).ToArray();
            if (exposed.Length > 0)
            {
                throw new StartupException(
                    $"Auth:Mode=Development trusts the {UserIds.DevelopmentHeader} header, so it only listens on loopback, but it was asked to listen on " +
                    $"{string.Join(", ", exposed)}. Listen on http://127.0.0.1:<port> (--urls), or set Auth:AllowDevelopmentOffLoopback=true " +
                    "if everyone who can reach this address may act as any user.");
            }

            return Task.CompletedTask;
        }

        /// <summary>Where Kestrel will listen: --urls / ASPNETCORE_URLS, the port-only settings (every interface), and Kestrel endpoints.</summary>
        private IEnumerable<string> ConfiguredAddresses()
        {
            var urls = (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var ports = new[] { ("http", configuration["http_ports"]), ("https", configuration["https_ports"]) }
                .SelectMany(p => (p.Item2 ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(port => $"{p.Item1}://*:{port}"));
            var endpoints = configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>();
            return urls.Concat(ports).Concat(endpoints);
        }

        private static bool IsLoopback(string address)
        {
            if (!Uri.TryCreate(address.Replace("*", "0.0.0.0", StringComparison.Ordinal).Replace("+", "0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri))
            {
                return false;
            }

            return uri.IsLoopback || (System.Net.IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && System.Net.IPAddress.IsLoopback(ip));
        }

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
