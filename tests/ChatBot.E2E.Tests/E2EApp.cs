using System.Net;
using ChatBot.TestKit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ChatBot.E2E.Tests;

/// <summary>
/// The real app on real Kestrel (127.0.0.1, a free port) serving the built web app, with SQLite in a temp folder and the
/// tiny generated model. Only the model edge is wrapped, so a test can give its own user a <see cref="ScriptedChatClient"/>.
/// </summary>
public sealed class E2EApp : WebApplicationFactory<Program>
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("chatbot-e2e-").FullName;
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _configureServices;

    public E2EApp(IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? configureServices = null)
    {
        if (!File.Exists(Path.Combine(RepoPaths.WebDist, "index.html")))
        {
            throw new InvalidOperationException(
                $"The web app is not built: {RepoPaths.WebDist}/index.html is missing. Run `cd frontend && npm ci && npm run build` (./test.sh does) before these tests.");
        }

        _configureServices = configureServices;
        _settings = TestAppSettings.Local(_dataDirectory);
        _settings["Web:Root"] = RepoPaths.WebDist;
        // The test output shows what failed, not the app's routine start-up lines.
        _settings["Logging:LogLevel:Default"] = "Warning";
        _settings["Logging:LogLevel:Microsoft.AspNetCore.Server.Kestrel"] = "Error";
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public ModelScripts Models { get; } = new();

    public Uri BaseAddress { get; private set; } = null!;

    public E2EApp Start()
    {
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        BaseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
        return this;
    }

    /// <summary>The API as a development user, for arranging data and for checking what the server stored.</summary>
    public HttpClient ApiFor(string user)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Add("X-ChatBot-User", user);
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            services.AddHttpContextAccessor();
            services.AddSingleton(Models);
            // Wrap whatever model the app composed (the real LLamaSharp one) instead of replacing it.
            var real = services.Last(d => d.ServiceType == typeof(IChatClient) && !d.IsKeyedService);
            services.Remove(real);
            services.AddSingleton<IChatClient>(sp => new ModelsByUser(
                (IChatClient)(real.ImplementationFactory?.Invoke(sp) ?? real.ImplementationInstance ?? throw new InvalidOperationException("The model is not registered by a factory.")),
                sp.GetRequiredService<Microsoft.AspNetCore.Http.IHttpContextAccessor>(),
                Models));
            _configureServices?.Invoke(services);
        });
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A temp folder left behind is harmless.
            }
        }
    }
}
