using ChatBot.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatBot.Api.Tests;

/// <summary>The cache keeps the history a prompt uses, so a cache hit and a miss give the model the same messages.</summary>
public sealed class ContextCacheBoundTests
{
    [Theory]
    [InlineData("7", 7)]
    [InlineData("0", 1)]
    public void CacheBound_FollowsChatHistoryMessages(string historyMessages, int cached)
    {
        using var app = new ApiTestApp(new ScriptedChatClient("ok"), new Dictionary<string, string?> { ["Chat:HistoryMessages"] = historyMessages });

        Assert.Equal(cached, app.Services.GetRequiredService<IOptions<ContextCacheOptions>>().Value.MaxMessages);
    }
}
