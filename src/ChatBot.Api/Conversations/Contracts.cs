using ChatBot.Core;

namespace ChatBot.Api.Conversations;

// The HTTP contract. Models are mapped to these so storage fields (user ids, keys) never leak into responses.

public sealed record CreateConversationRequest(string? Title, string? Model = null, string? Instructions = null);

/// <summary>PATCH: each field left out stays as it is; an empty <c>model</c> or <c>instructions</c> goes back to the default.</summary>
public sealed record UpdateConversationRequest(string? Title, string? Model = null, string? Instructions = null);

public sealed record SendMessageRequest(string? Content, string? ClientMessageId, string? Model = null);

public sealed record ConversationSummary(
    string Id, string? Title, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string? Model = null, string? Instructions = null)
{
    public static ConversationSummary From(Conversation c) => new(c.Id, c.Title, c.CreatedAt, c.UpdatedAt, c.ModelId, c.Instructions);
}

public sealed record ConversationList(IReadOnlyList<ConversationSummary> Items, string? NextCursor);

public record MessageView(
    string Id,
    MessageRole Role,
    string Content,
    DateTimeOffset CreatedAt,
    MessageStatus Status,
    string? ClientMessageId,
    UsageView? Usage,
    string? Model = null,
    string? FinishReason = null,
    FeedbackView? Feedback = null)
{
    public static MessageView From(ConversationMessage m) => new(
        m.Id,
        m.Role,
        m.Content,
        m.CreatedAt,
        m.Status,
        m.ClientMessageId,
        m.Usage is { } u ? new UsageView(u.InputTokens, u.OutputTokens) : null,
        m.ModelId,
        m.FinishReason,
        m.Feedback is { } f ? new FeedbackView(f.Rating, f.Comment, f.At) : null);
}

public sealed record FeedbackView(FeedbackRating Rating, string? Comment, DateTimeOffset At);

public sealed record UsageView(int InputTokens, int OutputTokens);

public sealed record ConversationView(
    string Id,
    string? Title,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<MessageView> Messages,
    string? Model = null,
    string? Instructions = null)
{
    public static ConversationView From(ConversationContext context) => new(
        context.Conversation.Id,
        context.Conversation.Title,
        context.Conversation.CreatedAt,
        context.Conversation.UpdatedAt,
        context.Messages.Select(MessageView.From).ToArray(),
        context.Conversation.ModelId,
        context.Conversation.Instructions);
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
// Model choice, custom instructions, edit, continue and feedback.

/// <summary>Regenerate's optional body: another model for the new answer.</summary>
public sealed record RegenerateRequest(string? Model);

/// <summary>The new text of the conversation's last question (and optionally another model for its answer).</summary>
public sealed record EditMessageRequest(string? Content, string? Model = null);

/// <summary><c>rating</c> is <c>up</c> or <c>down</c>.</summary>
public sealed record FeedbackRequest(string? Rating, string? Comment);

public sealed record ModelView(string Id, string DisplayName, string Provider, int? ContextWindow, bool Default)
{
    public static ModelView From(ModelInfo model, ModelCatalog catalog) =>
        new(model.Id, model.DisplayName, model.Provider, model.ContextWindow, model.Id == catalog.Default.Id);
}

public sealed record ModelList(IReadOnlyList<ModelView> Items, string DefaultModel);

public sealed record UserSettingsView(string? Instructions);
