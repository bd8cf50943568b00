using ChatBot.Core;

namespace ChatBot.Api.Conversations;

// The HTTP contract. Models are mapped to these so storage fields (user ids, keys) never leak into responses.

public sealed record CreateConversationRequest(string? Title);

public sealed record RenameConversationRequest(string? Title);

public sealed record SendMessageRequest(string? Content, string? ClientMessageId);

public sealed record ConversationSummary(string Id, string? Title, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static ConversationSummary From(Conversation c) => new(c.Id, c.Title, c.CreatedAt, c.UpdatedAt);
}

public sealed record ConversationList(IReadOnlyList<ConversationSummary> Items, string? NextCursor);

public record MessageView(
    string Id,
    MessageRole Role,
    string Content,
    DateTimeOffset CreatedAt,
    MessageStatus Status,
    string? ClientMessageId,
    UsageView? Usage)
{
    public static MessageView From(ConversationMessage m) => new(
        m.Id, m.Role, m.Content, m.CreatedAt, m.Status, m.ClientMessageId, m.Usage is { } u ? new UsageView(u.InputTokens, u.OutputTokens) : null);
}

public sealed record UsageView(int InputTokens, int OutputTokens);

public sealed record ConversationView(
    string Id, string? Title, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<MessageView> Messages)
{
    public static ConversationView From(ConversationContext context) => new(
        context.Conversation.Id,
        context.Conversation.Title,
        context.Conversation.CreatedAt,
        context.Conversation.UpdatedAt,
        context.Messages.Select(MessageView.From).ToArray());
}

/// <summary>
/// The SSE <c>done</c> event: the stored answer's fields, plus the conversation's summary as the turn left it, so a client
/// shows the title the server made from the first message without computing it or listing conversations again.
/// </summary>
public sealed record DoneEvent : MessageView
{
    public DoneEvent(MessageView answer, ConversationSummary conversation)
        : base(answer)
    {
        Conversation = conversation;
    }

    public ConversationSummary Conversation { get; }

    public static DoneEvent From(ConversationMessage answer, Conversation conversation) =>
        new(MessageView.From(answer), ConversationSummary.From(conversation));
}

public sealed record TurnResult(MessageView User, MessageView Assistant);

public sealed record DeltaEvent(string Text);

// Search, export and delete-all.

/// <summary>A conversation that matched a search, and a snippet around the first match: title or message.</summary>
public sealed record SearchResult(
    string Id, string? Title, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, SnippetView Snippet)
{
    public static SearchResult From(SearchHit hit) => new(
        hit.Conversation.Id,
        hit.Conversation.Title,
        hit.Conversation.CreatedAt,
        hit.Conversation.UpdatedAt,
        new SnippetView(hit.MessageId is null ? "title" : "message", hit.MessageId, hit.Snippet.Text, hit.Snippet.Highlights.Select(h => new HighlightView(h.Start, h.Length)).ToArray()));
}

/// <summary><see cref="Highlights"/> are the matched parts of <see cref="Text"/>, as UTF-16 offsets.</summary>
public sealed record SnippetView(string Field, string? MessageId, string Text, IReadOnlyList<HighlightView> Highlights);

public sealed record HighlightView(int Start, int Length);

public sealed record SearchResultList(IReadOnlyList<SearchResult> Items, string? NextCursor);

public sealed record DeleteAllResult(int Deleted);

/// <summary>The health answer; a named type, so the request delegate generator can write it.</summary>
public sealed record HealthStatus(string Status);
