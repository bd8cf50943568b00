using ChatBot.Core;

namespace ChatBot.Api.Telemetry;

/// <summary>A span around each cache call, and the hit and miss counts that tell whether the cache earns its cost.</summary>
public sealed class TracedContextCache(IContextCache inner) : IContextCache
{
    public async ValueTask<ConversationContext?> GetAsync(string userId, string conversationId, CancellationToken cancellationToken)
    {
        using var span = Span.Start("cache.get");
        var context = await inner.GetAsync(userId, conversationId, cancellationToken);
        (context is null ? ChatBotTelemetry.CacheMisses : ChatBotTelemetry.CacheHits).Add(1);
        span?.SetTag("cache.hit", context is not null);
        return context;
    }

    public async ValueTask SetAsync(string userId, ConversationContext context, CancellationToken cancellationToken)
    {
        using var span = Span.Start("cache.set");
        await inner.SetAsync(userId, context, cancellationToken);
    }

    public async ValueTask AppendAsync(string userId, Conversation conversation, IReadOnlyList<ConversationMessage> messages, CancellationToken cancellationToken)
    {
        using var span = Span.Start("cache.append");
        await inner.AppendAsync(userId, conversation, messages, cancellationToken);
    }

    public async ValueTask InvalidateAsync(string userId, string conversationId, CancellationToken cancellationToken)
    {
        using var span = Span.Start("cache.invalidate");
        await inner.InvalidateAsync(userId, conversationId, cancellationToken);
    }
}
