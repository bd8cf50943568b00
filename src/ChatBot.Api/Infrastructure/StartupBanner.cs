using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ChatBot.Api.Infrastructure;

public static partial class StartupBanner
{
    /// <summary>Says where to open ChatBot once it is really listening, so a person running it locally knows what to click.</summary>
    public static WebApplication LogWhenReady(this WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            foreach (var address in addresses)
            {
                LogReady(app.Logger, address);
            }
        });
        return app;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "ChatBot is ready at {Address}")]
    private static partial void LogReady(ILogger logger, string address);
}
