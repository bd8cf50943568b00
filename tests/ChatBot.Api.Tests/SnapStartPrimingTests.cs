using ChatBot.Api.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChatBot.Api.Tests;

/// <summary>Lambda SnapStart: the init builds the SDK clients (no connections) only when it ends in a snapshot.</summary>
public sealed class SnapStartPrimingTests
{
    [Theory]
    [InlineData("snap-start", true)]
    [InlineData("on-demand", false)]
    [InlineData(null, false)]
    public async Task ClientsAreBuiltAtStartup_OnlyDuringASnapStartInit(string? initializationType, bool primed)
    {
        using var app = new ChatBotApp(new ScriptedChatClient("ok"), new Dictionary<string, string?>
        {
            [SnapStartPriming.InitializationTypeKey] = initializationType,
        });

        var started = app.Services.GetServices<IHostedService>().Select(service => service.GetType().Name).ToList();

        Assert.Equal(primed, started.Contains("BuildClientsBeforeTheSnapshot"));
        Assert.Equal(System.Net.HttpStatusCode.OK, (await app.CreateClient().GetAsync("/api/health", TestContext.Current.CancellationToken)).StatusCode);
    }
}
