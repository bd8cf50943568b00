using ChatBot.Api.Infrastructure;
using ChatBot.Core;
using ChatBot.Storage.Sqlite;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

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
        var storesBuilt = 0;
        using var app = new ApiTestApp(new ScriptedChatClient("ok"), new Dictionary<string, string?>
        {
            [SnapStartPriming.InitializationTypeKey] = initializationType,
        });
        using var started = app.WithWebHostBuilder(web => web.ConfigureTestServices(services =>
            services.AddSingleton<IConversationStore>(provider =>
            {
                Interlocked.Increment(ref storesBuilt);
                return provider.GetRequiredService<SqliteConversationStore>();
            })));

        _ = started.Services;

        Assert.Equal(primed ? 1 : 0, storesBuilt);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await started.CreateClient().GetAsync("/api/health", TestContext.Current.CancellationToken)).StatusCode);
    }
}
