namespace ChatBot.Core;

/// <summary>
/// A user's conversation. <see cref="Title"/> is null until the user names it or the first message does. <see cref="ModelId"/>
/// is the model the user chose for it (null: the deployment's default); <see cref="Instructions"/>, when set, replace the
/// default system prompt.
/// </summary>
public sealed record Conversation(
    string Id,
    string UserId,
    string? Title,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? ModelId = null,
    string? Instructions = null);

public enum MessageRole
{
    User,
    Assistant,
}

public enum MessageStatus
{
    /// <summary>The answer finished normally (user messages are always complete).</summary>
    Complete,

    /// <summary>The user stopped the answer; what had streamed so far is kept.</summary>
    Stopped,

    /// <summary>The model failed part-way; what had streamed so far is kept.</summary>
    Failed,
}

public sealed record TokenUsage(int InputTokens, int OutputTokens);

/// <summary>
/// One message. Messages are ordered by (<see cref="CreatedAt"/>, <see cref="Id"/>); ids are time-ordered, so the id alone
/// breaks ties. <see cref="ReplyTo"/> links an answer to the user message it answers. An answer records the model that wrote
/// it (<see cref="ModelId"/>), why the model stopped (<see cref="FinishReason"/>: <c>stop</c>, or <c>length</c> when it ran
/// out of output tokens and can be continued) and the user's <see cref="Feedback"/> on it.
/// </summary>
public sealed record ConversationMessage(
    string Id,
    string ConversationId,
    MessageRole Role,
    string Content,
    DateTimeOffset CreatedAt,
    MessageStatus Status,
    string? ClientMessageId = null,
    string? ReplyTo = null,
    TokenUsage? Usage = null,
    string? ModelId = null,
    string? FinishReason = null,
    MessageFeedback? Feedback = null);

/// <summary>A conversation with (some of) its messages, oldest first.</summary>
public sealed record ConversationContext(Conversation Conversation, IReadOnlyList<ConversationMessage> Messages);

/// <summary>A page of conversations, newest activity first. <see cref="NextCursor"/> is opaque to callers.</summary>
public sealed record ConversationPage(IReadOnlyList<Conversation> Items, string? NextCursor);

/// <summary>How a request to store a user message (and take the conversation's turn lease) ended.</summary>
public enum AddMessageOutcome
{
    /// <summary>Stored, and the turn lease is taken: the caller writes the answer.</summary>
    Added,

    /// <summary>The clientMessageId was seen before: nothing new is stored and no lease is taken.</summary>
    Repeated,

    /// <summary>Another answer is being written in the conversation: nothing is stored.</summary>
    Busy,

    /// <summary>No such conversation (deleted, even by another instance a moment ago): nothing is stored.</summary>
    NotFound,
}

/// <summary>
/// The outcome of storing a user message. When the client repeats a clientMessageId (<see cref="AddMessageOutcome.Repeated"/>),
/// <see cref="UserMessage"/> is the stored original and <see cref="Answer"/> its stored answer, if any.
/// </summary>
public sealed record AddMessageResult(AddMessageOutcome Outcome, ConversationMessage UserMessage, ConversationMessage? Answer)
{
    public bool Added => Outcome == AddMessageOutcome.Added;
}
