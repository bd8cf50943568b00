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

    private static IHost BuildHost(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddRedisContextCache(builder.Configuration.GetSection("Cache"));
        return builder.Build();
    }
}
