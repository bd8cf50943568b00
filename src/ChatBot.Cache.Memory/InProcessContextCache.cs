using ChatBot.Core;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace ChatBot.Cache.Memory;

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
