using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace ChatBot.Core;

/// <summary>Bounds for every context cache, bound from the <c>Cache</c> configuration section.</summary>
public sealed class ContextCacheOptions
{
    public const string SectionName = "Cache";

    /// <summary><c>Memory</c> (in-process, the local default) or <c>Redis</c>.</summary>
    public string Provider { get; set; } = "Memory";

    /// <summary>
    /// The newest messages kept per conversation. Not a setting of its own: it follows <c>Chat:HistoryMessages</c>, so a
    /// turn's prompt is the same whether its context came from the cache or from the store.
    /// </summary>
    public int MaxMessages { get; set; } = 20;

    /// <summary>The most UTF-16 characters of message content kept per conversation; older messages go first.</summary>
    public int MaxCharsPerConversation { get; set; } = 256 * 1024;

    /// <summary>How long an idle conversation stays cached.</summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The most conversations the in-process cache holds at once.</summary>
    public int MaxConversations { get; set; } = 10_000;
}

/// <summary>Stops the app at startup when a <c>Cache</c> bound is out of range, naming it.</summary>
internal sealed class ContextCacheOptionsValidator : IValidateOptions<ContextCacheOptions>
{
    public ValidateOptionsResult Validate(string? name, ContextCacheOptions options)
    {
        var failures = new List<string>();
        failures.CheckRange("Cache:MaxCharsPerConversation", options.MaxCharsPerConversation, 1024, 16_777_216);
        failures.CheckRange("Cache:MaxConversations", options.MaxConversations, 1, 10_000_000);
        return failures.ToResult();
    }
}

/// <summary>The local default: an in-process, size-bounded cache. On Lambda each instance has its own, which is still correct
/// because every turn writes through to the store and a miss reloads from it.</summary>
public sealed class InProcessContextCache(IOptions<ContextCacheOptions> options) : IContextCache, IDisposable
{
    private readonly ContextCacheOptions _options = options.Value;
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = options.Value.MaxConversations });
    private readonly Lock _gate = new();

    public ValueTask<ConversationContext?> GetAsync(string userId, string conversationId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_cache.Get<ConversationContext>(Key(userId, conversationId)));

    public ValueTask SetAsync(string userId, ConversationContext context, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Store(userId, context);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask AppendAsync(string userId, Conversation conversation, IReadOnlyList<ConversationMessage> messages, CancellationToken cancellationToken)
    {
        // The lock makes read-append-write atomic, so overlapping turns on one conversation don't lose each other's messages.
        lock (_gate)
        {
            if (_cache.Get<ConversationContext>(Key(userId, conversation.Id)) is { } cached)
            {
                var merged = conversation with
                {
                    Title = cached.Conversation.Title ?? conversation.Title,
                    UpdatedAt = conversation.UpdatedAt > cached.Conversation.UpdatedAt ? conversation.UpdatedAt : cached.Conversation.UpdatedAt,
                };
                Store(userId, new ConversationContext(merged, [.. cached.Messages, .. messages]));
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask InvalidateAsync(string userId, string conversationId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _cache.Remove(Key(userId, conversationId));
        }

        return ValueTask.CompletedTask;
    }

    public void Dispose() => _cache.Dispose();

    private void Store(string userId, ConversationContext context)
    {
        var bounded = ContextBounds.Apply(context, _options.MaxMessages, _options.MaxCharsPerConversation);
        _cache.Set(Key(userId, context.Conversation.Id), bounded, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = _options.Ttl });
    }

    // The user id is part of the key, so one user's entry can never answer another user's request.
    private static (string, string) Key(string userId, string conversationId) => (userId, conversationId);
}

/// <summary>The size rules every cache applies, so all implementations keep the same messages.</summary>
public static class ContextBounds
{
    /// <summary>Keeps the newest messages: at most <paramref name="maxMessages"/>, and at most <paramref name="maxChars"/> characters of content.</summary>
    public static ConversationContext Apply(ConversationContext context, int maxMessages, int maxChars)
    {
        var messages = context.Messages;
        var start = Math.Max(0, messages.Count - maxMessages);
        var chars = 0;
        for (var i = messages.Count - 1; i >= start; i--)
        {
            chars += messages[i].Content.Length;
            if (chars > maxChars)
            {
                start = i + 1;
                break;
            }
        }

        return start == 0 ? context : context with { Messages = messages.Skip(start).ToArray() };
    }
}
