using ChatBot.Cache.Redis;
using ChatBot.Core;
using ChatBot.Storage.Sqlite;
using ChatBot.TestKit.LocalServers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Xunit;
using static ChatBot.Adapters.Tests.Contracts.TestData;

namespace ChatBot.Adapters.Tests;

/// <summary>The cache is never the source of truth: outages, slowness and garbage cost cache hits, never turns.</summary>
public sealed class RedisResilienceTests : IAsyncLifetime
{
    private static readonly ContextCacheOptions Bounds = new() { MaxMessages = 50, Ttl = TimeSpan.FromMinutes(5) };

    private readonly RedisServerFixture _redis = new();
    private readonly RecordingLogger<RedisContextCache> _log = new();
    private readonly string _dataFolder = Directory.CreateTempSubdirectory("chatbot-outage-").FullName;
    private RedisContextCache _cache = null!;
    private ConnectionMultiplexer? _admin;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        // Each test gets its own server: killing a shared one would fail other suites.
        await _redis.InitializeAsync();
        _cache = NewCache(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task RedisKilledMidRun_TurnsKeepWorkingFromTheStore_OneWarning_AndTheCacheRecovers()
    {
        var store = new SqliteConversationStore(Options.Create(new SqliteStoreOptions { Path = Path.Combine(_dataFolder, "chat.db") }));
        var chat = new ChatService(store, _cache, new ScriptedChatClient("ec", "ho"), Options.Create(new Core.ChatServiceOptions()), TimeProvider.System, NullLogger<ChatService>.Instance);
        var user = NewUser();
        var conversation = await chat.CreateConversationAsync(user, "Outage", Ct);
        await RunTurnAsync(chat, user, conversation.Id, 0);
        Assert.Equal(2, (await _cache.GetAsync(user, conversation.Id, Ct))!.Messages.Count);

        await _redis.KillAsync();
        for (var turn = 1; turn <= 5; turn++)
        {
            await RunTurnAsync(chat, user, conversation.Id, turn);

            // Let the retry window pass, so every turn really tries the dead server again.
            await Task.Delay(250, Ct);
        }

        Assert.Equal(1, _log.Count(LogLevel.Warning));

        await _redis.RestartAsync();
        await WaitUntilAsync(async () =>
        {
            await RunTurnAsync(chat, user, conversation.Id, 100);
            return await _cache.GetAsync(user, conversation.Id, Ct) is not null;
        });

        // Back to normal: the entry was reloaded from the store, and turns hit it again.
        var cached = (await _cache.GetAsync(user, conversation.Id, Ct))!;
        var stored = (await store.GetConversationAsync(user, conversation.Id, int.MaxValue, Ct))!;
        Assert.Equal(stored.Messages.TakeLast(cached.Messages.Count), cached.Messages);
        Assert.Equal(1, _log.Count(LogLevel.Warning));
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("back", StringComparison.Ordinal));
        var questions = stored.Messages.Where(m => m.Role == MessageRole.User).Select(m => m.Content).ToList();
        Assert.Equal(Enumerable.Range(0, 6).Select(i => $"turn {i}"), questions.Where(q => q != "turn 100"));
        Assert.Equal(questions.Count, stored.Messages.Count(m => m.Role == MessageRole.Assistant));
    }

    [Fact]
    public async Task SlowRedis_CountsAsAMiss_AndAnEntryThatMissedATurnIsNotServedAfterwards()
    {
        var (user, context) = await CachedContextAsync();
        await Admin().ExecuteAsync("CLIENT", "PAUSE", "1500", "ALL");

        var started = DateTimeOffset.UtcNow;
        var turn = UserMessage(context.Conversation.Id, "while Redis is stuck");
        await _cache.AppendAsync(user, context.Conversation with { UpdatedAt = Now() }, [turn], Ct);
        Assert.InRange(DateTimeOffset.UtcNow - started, TimeSpan.Zero, TimeSpan.FromSeconds(1.2));
        Assert.Null(await _cache.GetAsync(user, context.Conversation.Id, Ct));

        await Task.Delay(TimeSpan.FromSeconds(1.6), Ct);

        // Redis answers again and still holds the entry, but without the turn: it must be a miss, not stale context.
        Assert.Null(await _cache.GetAsync(user, context.Conversation.Id, Ct));
        await _cache.SetAsync(user, context, Ct);
        Assert.NotNull(await _cache.GetAsync(user, context.Conversation.Id, Ct));
        Assert.Equal(1, _log.Count(LogLevel.Warning));
    }

    [Theory]
    [InlineData("string")]
    [InlineData("hash")]
    [InlineData("message")]
    [InlineData("list")]
    public async Task GarbageUnderTheKey_IsAMiss_NeverAnError_AndTheNextSetReplacesIt(string kind)
    {
        // Nothing here is slow, so a timeout that a loaded test machine can reach would only turn this test into a
        // test of the machine: this cache waits as long as it takes.
        await using var cache = NewCache(TimeSpan.FromSeconds(10));
        var (user, context) = await CachedContextAsync(cache);
        var key = $"chatbot:ctx:U:{user}:C:{context.Conversation.Id}";
        var db = Admin();
        switch (kind)
        {
            case "string":
                await db.StringSetAsync(key, "\u0000garbage");
                break;
            case "hash":
                await db.KeyDeleteAsync(key);
                await db.HashSetAsync(key, [new("v", "1"), new("head", "x"), new("next", "-3")]);
                break;
            case "message":
                await db.HashSetAsync(key, "m:0", "not a message");
                break;
            default:
                await db.KeyDeleteAsync(key);
                await db.ListRightPushAsync(key, "garbage");
                break;
        }

        Assert.Null(await cache.GetAsync(user, context.Conversation.Id, Ct));
        await cache.AppendAsync(user, context.Conversation, [UserMessage(context.Conversation.Id, "more")], Ct);
        Assert.Null(await cache.GetAsync(user, context.Conversation.Id, Ct));

        await cache.SetAsync(user, context, Ct);

        Assert.Equal(context.Messages, (await cache.GetAsync(user, context.Conversation.Id, Ct))!.Messages);
        Assert.DoesNotContain(_log.Entries, e => e.Message.Contains("unavailable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RedisDownAtStartup_EveryCallIsAMissOrNoOp_AndItConnectsWhenRedisComes()
    {
        await _redis.KillAsync();
        var (user, context) = NewContext();
        await using var cache = new RedisContextCache(
            Options.Create(Bounds),
            Options.Create(new RedisCacheOptions { Configuration = _redis.Configuration, OperationTimeout = TimeSpan.FromMilliseconds(300), RetryAfter = TimeSpan.Zero }),
            _log,
            TimeProvider.System);

        await cache.SetAsync(user, context, Ct);
        Assert.Null(await cache.GetAsync(user, context.Conversation.Id, Ct));
        await cache.AppendAsync(user, context.Conversation, [UserMessage(context.Conversation.Id, "x")], Ct);
        await cache.InvalidateAsync(user, context.Conversation.Id, Ct);

        await _redis.RestartAsync();
        await WaitUntilAsync(async () =>
        {
            await cache.SetAsync(user, context, Ct);
            return await cache.GetAsync(user, context.Conversation.Id, Ct) is not null;
        });
        Assert.Equal(1, _log.Count(LogLevel.Warning));
    }

    public async ValueTask DisposeAsync()
    {
        await _cache.DisposeAsync();
        if (_admin is not null)
        {
            await _admin.DisposeAsync();
        }

        await _redis.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dataFolder, recursive: true);
    }

    private IDatabase Admin()
    {
        _admin ??= ConnectionMultiplexer.Connect($"{_redis.Configuration},allowAdmin=true");
        return _admin.GetDatabase();
    }

    private RedisContextCache NewCache(TimeSpan operationTimeout) => new(
        Options.Create(Bounds),
        Options.Create(new RedisCacheOptions
        {
            Configuration = _redis.Configuration,
            OperationTimeout = operationTimeout,
            RetryAfter = TimeSpan.FromMilliseconds(200),
        }),
        _log,
        TimeProvider.System);

    private async Task<(string User, ConversationContext Context)> CachedContextAsync(RedisContextCache? cache = null)
    {
        cache ??= _cache;
        var (user, context) = NewContext();
        await cache.SetAsync(user, context, Ct);
        Assert.NotNull(await cache.GetAsync(user, context.Conversation.Id, Ct));
        return (user, context);
    }

    private static (string User, ConversationContext Context) NewContext()
    {
        var user = NewUser();
        var conversation = NewConversation(user, "Resilient");
        var question = UserMessage(conversation.Id, "hello");
        return (user, new ConversationContext(conversation, [question, Answer(question, "hi")]));
    }

    private static async Task RunTurnAsync(ChatService chat, string user, string conversationId, int turn)
    {
        var start = Assert.IsType<TurnStart.Started>(await chat.StartTurnAsync(user, conversationId, $"turn {turn}", $"client-{turn}-{Guid.NewGuid():N}", Ct));
        await foreach (var update in start.Turn.StreamAsync(Ct))
        {
            Assert.IsNotType<TurnUpdate.Failed>(update);
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "The cache did not recover within 20 s of Redis coming back.");
            await Task.Delay(100, Ct);
        }
    }
}
