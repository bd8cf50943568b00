using ChatBot.Cache.Redis;
using ChatBot.Core;
using ChatBot.TestKit.LocalServers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Xunit;
using static ChatBot.Adapters.Tests.Contracts.TestData;

namespace ChatBot.Adapters.Tests;

public sealed class RedisCacheRegistrationTests(RedisServerFixture redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Startup_WithAConfigurationString_GivesAWorkingCache()
    {
        using var host = BuildHost(new() { ["Cache:Redis:Configuration"] = redis.Configuration });
        await host.StartAsync(Ct);
        var cache = host.Services.GetRequiredService<IContextCache>();
        var user = NewUser();
        var conversation = NewConversation(user);

        await cache.SetAsync(user, new ConversationContext(conversation, []), Ct);

        Assert.Equal(conversation, (await cache.GetAsync(user, conversation.Id, Ct))!.Conversation);
        await host.StopAsync(Ct);
    }

    [Theory]
    [InlineData(null, "Cache:Redis:Configuration is required")]
    [InlineData("localhost,ssl=maybe", "Cache:Redis:Configuration is not a valid")]
    public async Task Startup_WithBadSettings_FailsNamingTheSetting(string? configuration, string expected)
    {
        using var host = BuildHost(new() { ["Cache:Redis:Configuration"] = configuration });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_ByDefault_StartsConnectingWithoutAnyCall()
    {
        using var listener = Listen(out var address);
        using var host = BuildHost(new() { ["Cache:Redis:Configuration"] = address });

        await host.StartAsync(Ct);

        Assert.True(await ConnectionArrivesAsync(listener), "The cache did not start connecting at startup.");
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Startup_WithConnectAtStartupOff_OpensNoConnectionUntilTheFirstCall()
    {
        // What Lambda SnapStart needs: a connection opened during init would be frozen into the snapshot.
        using var listener = Listen(out var address);
        using var host = BuildHost(new() { ["Cache:Redis:Configuration"] = address, ["Cache:Redis:ConnectAtStartup"] = "false" });

        await host.StartAsync(Ct);

        Assert.False(await ConnectionArrivesAsync(listener, TimeSpan.FromMilliseconds(500)), "The cache connected during startup.");
        var user = NewUser();
        await host.Services.GetRequiredService<IContextCache>().GetAsync(user, NewConversation(user).Id, Ct);
        Assert.True(await ConnectionArrivesAsync(listener), "The first call did not connect.");
        await host.StopAsync(Ct);
    }

    /// <summary>A loopback port that accepts nothing by itself, so a test can see whether anyone tried to connect.</summary>
    private static System.Net.Sockets.TcpListener Listen(out string address)
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        address = $"127.0.0.1:{((System.Net.IPEndPoint)listener.LocalEndpoint).Port}";
        return listener;
    }

    private static async Task<bool> ConnectionArrivesAsync(System.Net.Sockets.TcpListener listener, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < deadline)
        {
            if (listener.Pending())
            {
                return true;
            }

            await Task.Delay(20, Ct);
        }

        return false;
    }

    private static IHost BuildHost(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddRedisContextCache(builder.Configuration.GetSection("Cache"));
        return builder.Build();
    }
}
