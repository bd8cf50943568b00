using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using ChatBot.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatBot.Cache.Redis;

/// <summary>
/// The AWS context cache: each conversation's recent messages in one Redis hash, so a turn on a hit reads nothing from DynamoDB.
/// <para>
/// One hash per (user, conversation), one key, so it works on cluster-mode servers (ElastiCache Serverless) and expires or
/// is evicted as a whole. Fields: <c>v</c> (format), <c>created</c>/<c>updated</c> (UTC ticks, 19 digits so they compare as
/// strings), <c>title</c> (when set), <c>head</c>/<c>next</c> (the sequence numbers of the oldest kept and the next message),
/// <c>model</c> and <c>instructions</c> (when set), <c>chars</c> (content kept, in UTF-16 units as <see cref="ContextBounds"/> counts) and <c>m:{seq}</c> = <c>{chars}|{json}</c>.
/// Every write is one Lua script, so overlapping turns append without losing each other's messages and the bounds hold.
/// </para>
/// <para>
/// Never the source of truth: when Redis is down, slow or holds garbage, calls answer as a miss or do nothing, a warning is
/// logged once per outage, and calls skip Redis for <see cref="RedisCacheOptions.RetryAfter"/> before trying again. A
/// write-through or invalidation that could not reach Redis leaves that entry stale, so it is remembered and deleted before
/// it is used again.
/// </para>
/// </summary>
public sealed partial class RedisContextCache : IContextCache, IAsyncDisposable
{
    private const string FormatVersion = "1";

    /// <summary>The most entries remembered as stale during an outage; beyond it, TTL bounds how long an entry stays stale.</summary>
    private const int MaxStaleKeys = 100_000;

    // Reads the entry and slides its expiry, in one round trip.
    private const string GetScript = """
        local entry = redis.call('HGETALL', KEYS[1])
        if #entry > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
        return entry
        """;

    // Replaces the entry. ARGV: ttl, then field/value pairs.
    private const string SetScript = """
        redis.call('DEL', KEYS[1])
        redis.call('HSET', KEYS[1], unpack(ARGV, 2))
        redis.call('PEXPIRE', KEYS[1], ARGV[1])
        return 1
        """;

    // Appends to an existing entry and trims the oldest messages to the bounds, atomically.
    // ARGV: ttl, max messages, max chars, updated, has title (0/1), title, then messages as "{chars}|{json}".
    private const string AppendScript = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
        local head = tonumber(redis.call('HGET', KEYS[1], 'head'))
        local nxt = tonumber(redis.call('HGET', KEYS[1], 'next'))
        local chars = tonumber(redis.call('HGET', KEYS[1], 'chars'))
        local updated = redis.call('HGET', KEYS[1], 'updated')
        if not head or not nxt or not chars or not updated then
          redis.call('DEL', KEYS[1])
          return -1
        end
        -- A title the entry has wins: this turn may have started before a rename that reloaded the entry.
        if ARGV[5] == '1' then redis.call('HSETNX', KEYS[1], 'title', ARGV[6]) end
        if ARGV[4] > updated then redis.call('HSET', KEYS[1], 'updated', ARGV[4]) end
        for i = 7, #ARGV do
          chars = chars + tonumber(string.match(ARGV[i], '^(%d+)|'))
          redis.call('HSET', KEYS[1], 'm:' .. nxt, ARGV[i])
          nxt = nxt + 1
        end
        local maxMessages = tonumber(ARGV[2])
        local maxChars = tonumber(ARGV[3])
        while head < nxt and (nxt - head > maxMessages or chars > maxChars) do
          local oldest = redis.call('HGET', KEYS[1], 'm:' .. head)
          if oldest then chars = chars - tonumber(string.match(oldest, '^(%d+)|')) end
          redis.call('HDEL', KEYS[1], 'm:' .. head)
          head = head + 1
        end
        redis.call('HSET', KEYS[1], 'head', head, 'next', nxt, 'chars', chars)
        redis.call('PEXPIRE', KEYS[1], ARGV[1])
        return 1
        """;

    private static readonly RedisCacheJsonContext Json = new(new JsonSerializerOptions
    {
        // Stored, never rendered in a page: keep non-ASCII text as it is rather than six bytes per character.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    });

    private readonly ContextCacheOptions _bounds;
    private readonly RedisCacheOptions _options;
    private readonly ILogger<RedisContextCache> _logger;
    private readonly TimeProvider _time;
    private readonly Task<ConnectionMultiplexer> _connection;
    private readonly ConcurrentDictionary<RedisKey, byte> _stale = new();
    private long _skipUntil;
    private int _down;

    public RedisContextCache(
        IOptions<ContextCacheOptions> bounds, IOptions<RedisCacheOptions> options, ILogger<RedisContextCache> logger, TimeProvider time)
    {
        _bounds = bounds.Value;
        _options = options.Value;
        _logger = logger;
        _time = time;

        var configuration = ConfigurationOptions.Parse(_options.Configuration);

        // Start without Redis and fail fast while it is away, instead of queueing commands behind a dead connection.
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        var timeout = (int)_options.OperationTimeout.TotalMilliseconds;
        configuration.AsyncTimeout = timeout;
        configuration.SyncTimeout = timeout;
        configuration.ConnectTimeout = Math.Max(timeout, 2000);

        // Reconnect soon after Redis returns, backing off to 5 s while it stays away.
        configuration.ReconnectRetryPolicy = new ExponentialRetry(250, 5000);
        if (_options.CaCertificatePath is { Length: > 0 } caPath)
        {
            configuration.TrustIssuer(caPath);
        }

        // Connect in the background: the host starts this at startup without waiting for it; a call made before it is up is a miss.
        _connection = ConnectionMultiplexer.ConnectAsync(configuration);
    }

    /// <summary>
    /// Waits for the first connection attempt, so the first turns after startup can already hit. Never fails: if Redis is
    /// away, the cache simply starts as an outage.
    /// </summary>
    public async Task WhenConnectedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _connection.WaitAsync(cancellationToken);
        }
        catch (RedisException)
        {
            // Reported by the first call that needs Redis, once.
        }
    }

    public async ValueTask<ConversationContext?> GetAsync(string userId, string conversationId, CancellationToken cancellationToken)
    {
        if (!Ids.IsValid(conversationId))
        {
            return null;
        }

        var key = Key(userId, conversationId);
        if (await DropIfStaleAsync(key, cancellationToken))
        {
            return null;
        }

        var (ok, result) = await RunAsync(key, db => db.ScriptEvaluateAsync(GetScript, [key], [TtlMilliseconds]), cancellationToken);
        if (!ok || result is null || result.Length <= 0)
        {
            return null;
        }

        try
        {
            return Read(userId, conversationId, result.ToDictionary());
        }
        catch (Exception ex)
        {
            // Garbage under our key (another writer, a newer format, a bug): a miss, and the reload after it replaces the entry.
            LogGarbage(_logger, ex, key.ToString());
            return null;
        }
    }

    public async ValueTask SetAsync(string userId, ConversationContext context, CancellationToken cancellationToken)
    {
        if (!Ids.IsValid(context.Conversation.Id))
        {
            return;
        }

        var bounded = ContextBounds.Apply(context, _bounds.MaxMessages, _bounds.MaxCharsPerConversation);
        var conversation = bounded.Conversation;
        var values = new List<RedisValue>(14 + (2 * bounded.Messages.Count))
        {
            TtlMilliseconds,
            "v", FormatVersion,
            "created", Ticks(conversation.CreatedAt),
            "updated", Ticks(conversation.UpdatedAt),
            "head", 0,
            "next", bounded.Messages.Count,
            "chars", bounded.Messages.Sum(m => m.Content.Length),
        };
        if (conversation.Title is { } title)
        {
            values.AddRange(["title", title]);
        }

        if (conversation.ModelId is { } modelId)
        {
            values.AddRange(["model", modelId]);
        }

        if (conversation.Instructions is { } instructions)
        {
            values.AddRange(["instructions", instructions]);
        }

        for (var i = 0; i < bounded.Messages.Count; i++)
        {
            values.AddRange([$"m:{i}", Encode(bounded.Messages[i])]);
        }

        var key = Key(userId, conversation.Id);
        var (ok, _) = await RunAsync(key, db => db.ScriptEvaluateAsync(SetScript, [key], [.. values]), cancellationToken);
        if (ok)
        {
            // The whole entry was replaced, so whatever made it stale is gone.
            _stale.TryRemove(key, out _);
        }
    }

    public async ValueTask AppendAsync(string userId, Conversation conversation, IReadOnlyList<ConversationMessage> messages, CancellationToken cancellationToken)
    {
        if (!Ids.IsValid(conversation.Id))
        {
            return;
        }

        var key = Key(userId, conversation.Id);
        if (await DropIfStaleAsync(key, cancellationToken))
        {
            return;
        }

        var values = new List<RedisValue>(6 + messages.Count)
        {
            TtlMilliseconds,
            _bounds.MaxMessages,
            _bounds.MaxCharsPerConversation,
            Ticks(conversation.UpdatedAt),
            conversation.Title is null ? "0" : "1",
            conversation.Title ?? "",
        };
        values.AddRange(messages.Select(m => (RedisValue)Encode(m)));

        var (ok, _) = await RunAsync(key, db => db.ScriptEvaluateAsync(AppendScript, [key], [.. values]), cancellationToken);
        if (!ok)
        {
            // The entry (if any) now lacks this turn: it must not answer a later turn.
            MarkStale(key);
        }
    }

    public async ValueTask InvalidateAsync(string userId, string conversationId, CancellationToken cancellationToken)
    {
        if (!Ids.IsValid(conversationId))
        {
            return;
        }

        var key = Key(userId, conversationId);
        var (ok, _) = await RunAsync(key, db => db.KeyDeleteAsync(key), cancellationToken);
        if (ok)
        {
            _stale.TryRemove(key, out _);
        }
        else
        {
            MarkStale(key);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await (await _connection).DisposeAsync();
        }
        catch (RedisException)
        {
            // It never connected: nothing to close.
        }
    }

    private long TtlMilliseconds => (long)_bounds.Ttl.TotalMilliseconds;

    /// <summary>
    /// The user id is part of the key, so one user's entry never answers another's request. The conversation id (checked to be
    /// 32 hex digits) comes last at a fixed length, so no user id, whatever it contains, can make two keys collide.
    /// </summary>
    private RedisKey Key(string userId, string conversationId) => $"{_options.KeyPrefix}ctx:U:{userId}:C:{conversationId}";

    /// <summary>Deletes an entry left stale by an earlier failed write. True when it was stale (the caller then treats it as absent).</summary>
    private async ValueTask<bool> DropIfStaleAsync(RedisKey key, CancellationToken cancellationToken)
    {
        if (!_stale.ContainsKey(key))
        {
            return false;
        }

        var (ok, _) = await RunAsync(key, db => db.KeyDeleteAsync(key), cancellationToken);
        if (ok)
        {
            _stale.TryRemove(key, out _);
        }

        return true;
    }

    private void MarkStale(RedisKey key)
    {
        if (_stale.Count < MaxStaleKeys)
        {
            _stale.TryAdd(key, 0);
        }
    }

    /// <summary>
    /// Runs one Redis call within <see cref="RedisCacheOptions.OperationTimeout"/>. Any failure is an outage: it is logged once,
    /// Redis is skipped for <see cref="RedisCacheOptions.RetryAfter"/>, and the caller gets <c>ok = false</c>.
    /// </summary>
    private async ValueTask<(bool Ok, T? Value)> RunAsync<T>(RedisKey key, Func<IDatabase, Task<T>> call, CancellationToken cancellationToken)
    {
        if (_time.GetTimestamp() < Volatile.Read(ref _skipUntil))
        {
            return (false, default);
        }

        try
        {
            var connection = await _connection.WaitAsync(_options.OperationTimeout, _time, cancellationToken);
            var value = await call(connection.GetDatabase()).WaitAsync(_options.OperationTimeout, _time, cancellationToken);
            if (Volatile.Read(ref _down) == 1 && Interlocked.Exchange(ref _down, 0) == 1)
            {
                LogRecovered(_logger);
            }

            return (true, value);
        }
        catch (RedisServerException ex) when (IsGarbage(ex))
        {
            // The key holds something our scripts can't read: that entry is broken, Redis is fine.
            LogGarbage(_logger, ex, key.ToString());
            return (false, default);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Volatile.Write(ref _skipUntil, _time.GetTimestamp() + (long)(_options.RetryAfter.TotalSeconds * _time.TimestampFrequency));
            if (Interlocked.Exchange(ref _down, 1) == 0)
            {
                LogOutage(_logger, ex, _options.RetryAfter.TotalSeconds);
            }

            return (false, default);
        }
    }

    private static bool IsGarbage(RedisServerException ex) =>
        ex.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal) || ex.Message.Contains("script", StringComparison.OrdinalIgnoreCase);

    private static ConversationContext Read(string userId, string conversationId, Dictionary<string, RedisResult> entry)
    {
        if ((string?)entry["v"] != FormatVersion)
        {
            throw new FormatException($"Unknown cache entry format '{(string?)entry["v"]}'.");
        }

        var head = (long)entry["head"];
        var next = (long)entry["next"];
        if (head < 0 || next < head || next - head > 10_000)
        {
            throw new FormatException("The cache entry's message range is out of bounds.");
        }

        var messages = new List<ConversationMessage>((int)(next - head));
        for (var seq = head; seq < next; seq++)
        {
            messages.Add(Decode(conversationId, (string)entry[$"m:{seq}"]!));
        }

        var conversation = new Conversation(
            conversationId,
            userId,
            entry.TryGetValue("title", out var title) ? (string?)title : null,
            FromTicks((string)entry["created"]!),
            FromTicks((string)entry["updated"]!),
            entry.TryGetValue("model", out var model) ? (string?)model : null,
            entry.TryGetValue("instructions", out var instructions) ? (string?)instructions : null);
        return new ConversationContext(conversation, messages);
    }

    private static string Encode(ConversationMessage message)
    {
        var cached = new CachedMessage(
            message.Id,
            message.Role == MessageRole.User ? "user" : "assistant",
            message.Content,
            message.CreatedAt.UtcTicks,
            message.Status.ToString().ToLowerInvariant(),
            message.ClientMessageId,
            message.ReplyTo,
            message.Usage?.InputTokens,
            message.Usage?.OutputTokens,
            message.ModelId,
            message.FinishReason,
            message.Feedback is null ? null : message.Feedback.Rating == FeedbackRating.Up ? "up" : "down",
            message.Feedback?.Comment,
            message.Feedback?.At.UtcTicks);
        return string.Create(CultureInfo.InvariantCulture, $"{message.Content.Length}|{JsonSerializer.Serialize(cached, Json.CachedMessage)}");
    }

    private static ConversationMessage Decode(string conversationId, string value)
    {
        var separator = value.IndexOf('|', StringComparison.Ordinal);
        var cached = JsonSerializer.Deserialize(value.AsSpan(separator + 1), Json.CachedMessage)
            ?? throw new FormatException("A cached message is null.");
        return new ConversationMessage(
            cached.Id,
            conversationId,
            cached.Role switch
            {
                "user" => MessageRole.User,
                "assistant" => MessageRole.Assistant,
                _ => throw new FormatException($"Unknown role '{cached.Role}'."),
            },
            cached.Content,
            new DateTimeOffset(cached.CreatedAt, TimeSpan.Zero),
            cached.Status switch
            {
                "complete" => MessageStatus.Complete,
                "stopped" => MessageStatus.Stopped,
                "failed" => MessageStatus.Failed,
                _ => throw new FormatException($"Unknown status '{cached.Status}'."),
            },
            cached.ClientMessageId,
            cached.ReplyTo,
            cached is { InputTokens: { } input, OutputTokens: { } output } ? new TokenUsage(input, output) : null,
            cached.ModelId,
            cached.FinishReason,
            cached is { FeedbackRating: { } rating, FeedbackAt: { } at }
                ? new MessageFeedback(rating == "up" ? FeedbackRating.Up : FeedbackRating.Down, cached.FeedbackComment, new DateTimeOffset(at, TimeSpan.Zero))
                : null);
    }

    private static string Ticks(DateTimeOffset time) => time.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);

    private static DateTimeOffset FromTicks(string ticks) => new(long.Parse(ticks, NumberStyles.None, CultureInfo.InvariantCulture), TimeSpan.Zero);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Redis context cache is unavailable; turns read from the store until it is back (next try in {RetryAfterSeconds} s)")]
    private static partial void LogOutage(ILogger logger, Exception exception, double retryAfterSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "The Redis context cache is back")]
    private static partial void LogRecovered(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Redis cache entry {Key} is unreadable; treating it as a miss until it is replaced")]
    private static partial void LogGarbage(ILogger logger, Exception exception, string key);
}

internal sealed record CachedMessage(
    string Id,
    string Role,
    string Content,
    long CreatedAt,
    string Status,
    string? ClientMessageId,
    string? ReplyTo,
    int? InputTokens,
    int? OutputTokens,
    string? ModelId = null,
    string? FinishReason = null,
    string? FeedbackRating = null,
    string? FeedbackComment = null,
    long? FeedbackAt = null);

[JsonSerializable(typeof(CachedMessage))]
internal sealed partial class RedisCacheJsonContext : JsonSerializerContext;
