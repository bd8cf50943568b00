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
