using ChatBot.Core;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace ChatBot.Api.Identity;

public static class IdentityExtensions
{
    /// <summary>Tokens are checked to the second, give or take this much clock difference (the framework default is 5 minutes).</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>The Host names Development mode answers to (any port).</summary>
    public static readonly string[] LoopbackHostNames = ["localhost", "127.0.0.1", "[::1]"];

    /// <summary>
    /// One authentication scheme, chosen by Auth:Mode, and the guards that keep each mode where it is safe. Invalid
    /// settings stop the app at start with one readable line each (<see cref="AuthOptionsValidator"/>).
    /// </summary>
    public static IHostApplicationBuilder AddChatBotIdentity(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
        builder.Services.AddOptions<AuthOptions>().Bind(builder.Configuration.GetSection(AuthOptions.SectionName))
            .ValidateWith<AuthOptions, AuthOptionsValidator>();

        _ = options.Mode switch
        {
            AuthMode.Jwt => AddJwt(builder, options.Jwt),
            AuthMode.ApiGateway => builder.Services.AddAuthentication(ApiGatewayAuthenticationHandler.SchemeName)
                .AddScheme<AuthenticationSchemeOptions, ApiGatewayAuthenticationHandler>(ApiGatewayAuthenticationHandler.SchemeName, null),
            _ => builder.Services.AddAuthentication(DevelopmentAuthenticationHandler.SchemeName)
                .AddScheme<AuthenticationSchemeOptions, DevelopmentAuthenticationHandler>(DevelopmentAuthenticationHandler.SchemeName, null),
        };

        builder.Services.AddAuthorization();
        SkipKeyRingWarmup(builder.Services);
        if (options.Mode == AuthMode.ApiGateway || (options.Mode == AuthMode.Development && !options.AllowDevelopmentOffLoopback))
        {
            builder.Services.AddHostedService<LoopbackOnlyGuard>();
        }

        if (options.Mode == AuthMode.Development && !options.AllowDevelopmentOffLoopback)
        {
            // Listening on loopback is not enough: a web page can point its own host name at 127.0.0.1 (DNS rebinding)
            // and drive the API from the browser. Only loopback names pass; anything else is a 400 problem.
            builder.Services.Configure<Microsoft.AspNetCore.HostFiltering.HostFilteringOptions>(hosts =>
            {
                hosts.AllowedHosts = LoopbackHostNames;
                hosts.IncludeFailureMessage = false;
            });
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

    /// <summary>
    /// Accepts what API Gateway's Cognito authorizer accepts on the deployed API, and nothing more: an RS256 access token
    /// from the authority, for the configured client, with the required scope (see <see cref="CognitoAccessToken"/>).
    /// </summary>
    private static AuthenticationBuilder AddJwt(IHostApplicationBuilder builder, JwtAuthOptions jwt) =>
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(bearer =>
        {
            bearer.Authority = jwt.Authority;
            // AuthOptionsValidator has allowed http only for a loopback issuer with AllowHttpOnLoopback set.
            bearer.RequireHttpsMetadata = !jwt.AllowHttpOnLoopback;
            bearer.MapInboundClaims = false;
            // The 401 body says what is wrong (UnauthorizedProblem); the header carries no error_description.
            bearer.IncludeErrorDetails = false;
            var parameters = bearer.TokenValidationParameters;
            // Cognito access tokens name the client in client_id and usually carry no aud: CognitoAccessToken checks both.
            parameters.ValidateAudience = false;
            parameters.ClockSkew = MaxClockSkew;
            parameters.ValidAlgorithms = [SecurityAlgorithms.RsaSha256];
            bearer.Events = new JwtBearerEvents
            {
                OnTokenValidated = context =>
                {
                    if (CognitoAccessToken.Refusal(context.Principal!, jwt) is { } refusal)
                    {
                        context.Fail(new IdentityRejectedException(refusal));
                    }

                    return Task.CompletedTask;
                },
                OnChallenge = async context =>
                {
                    context.HandleResponse();
                    await UnauthorizedProblem.WriteAsync(context.HttpContext, JwtBearerDefaults.AuthenticationScheme, context.AuthenticateFailure,
                        "This request carries no access token. Sign in, then send it as 'Authorization: Bearer <token>'.");
                },
            };
        });

    /// <summary>
    /// The header-trusting modes refuse to serve anything beyond this machine (ApiGateway: as the Lambda Web Adapter expects).
    /// The configured addresses are checked before the server starts, so nothing ever listens (or says it does) on one it refuses.
    /// </summary>
    private sealed class LoopbackOnlyGuard(IConfiguration configuration, IOptions<AuthOptions> options) : IHostedLifecycleService
    {
        public Task StartingAsync(CancellationToken cancellationToken)
        {
            var exposed = ConfiguredAddresses().Where(a => !IsLoopback(a)).ToArray();
            if (exposed.Length == 0)
            {
                return Task.CompletedTask;
            }

            var message = options.Value.Mode == AuthMode.ApiGateway
                ? $"Auth:Mode=ApiGateway trusts the {ApiGatewayAuthenticationHandler.RequestContextHeader} header, so it only listens on loopback " +
                  $"where only the Lambda Web Adapter can reach it, but it was asked to listen on {string.Join(", ", exposed)}. " +
                  "Set ASPNETCORE_URLS=http://127.0.0.1:<port>, as the stack does."
                : $"Auth:Mode=Development trusts the {UserIds.DevelopmentHeader} header, so it only listens on loopback, but it was asked to listen on " +
                  $"{string.Join(", ", exposed)}. Listen on http://127.0.0.1:<port> (--urls), or set Auth:AllowDevelopmentOffLoopback=true " +
                  "if everyone who can reach this address may act as any user.";
            throw new OptionsValidationException(AuthOptions.SectionName, typeof(AuthOptions), [message]);
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
