namespace ChatBot.Core;

/// <summary>How a request to send a message begins.</summary>
public abstract record TurnStart
{
    private TurnStart()
    {
    }

    /// <summary>No such conversation for this user.</summary>
    public sealed record NotFound : TurnStart;

    /// <summary>The clientMessageId was seen before and its answer is stored: nothing new happens.</summary>
    public sealed record Replayed(ConversationMessage UserMessage, ConversationMessage Answer, Conversation Conversation) : TurnStart;

    /// <summary>The user message is stored; the answer is produced by enumerating <see cref="ChatTurn.StreamAsync"/>.</summary>
    public sealed record Started(ChatTurn Turn) : TurnStart;
}

/// <summary>What a turn reports while it streams.</summary>
public abstract record TurnUpdate
{
    private TurnUpdate()
    {
    }

    public sealed record Delta(string Text) : TurnUpdate;

    /// <summary>
    /// The answer is stored: complete, or stopped when the caller cancelled. <see cref="Conversation"/> is the conversation as
    /// the turn stored it: its activity time and, for a first turn, the title made from the first message.
    /// </summary>
    public sealed record Completed(ConversationMessage Answer, Conversation Conversation) : TurnUpdate;

    /// <summary>
    /// The model failed part-way and the partial answer is stored with status failed; or, with <see cref="ConversationDeletedException"/>,
    /// the conversation was deleted meanwhile and nothing was stored.
    /// </summary>
    public sealed record Failed(ConversationMessage Answer, Exception Error) : TurnUpdate;
}

/// <summary>
/// A started turn: the user message is stored (or, to regenerate, the last one is answered again), the conversation's turn
/// lease is held, and the answer is ready to stream, exactly once.
/// </summary>
public sealed class ChatTurn
{
    private readonly ChatService _service;
    private readonly string _userId;
    private readonly ConversationContext _context;
    private readonly List<Microsoft.Extensions.AI.ChatMessage> _prompt;
    private readonly TurnLease _lease;
    private readonly bool _regenerating;
    private readonly Usage.TurnTicket? _ticket;

    internal ChatTurn(
        ChatService service,
        string userId,
        ConversationContext context,
        ConversationMessage userMessage,
        List<Microsoft.Extensions.AI.ChatMessage> prompt,
        TurnLease lease,
        bool regenerating,
        Usage.TurnTicket? ticket = null)
    {
        _service = service;
        _userId = userId;
        _context = context;
        _prompt = prompt;
        _lease = lease;
        _regenerating = regenerating;
        _ticket = ticket;
        UserMessage = userMessage;
    }

    public ConversationMessage UserMessage { get; }

    /// <summary>
    /// Streams the answer. Cancelling stops the model; the partial answer is then stored as stopped and reported as
    /// <see cref="TurnUpdate.Completed"/>. The last update is always <see cref="TurnUpdate.Completed"/> or <see cref="TurnUpdate.Failed"/>.
    /// </summary>
    public IAsyncEnumerable<TurnUpdate> StreamAsync(CancellationToken cancellationToken) =>
        _service.StreamAnswerAsync(_userId, _context, UserMessage, _prompt, _lease, _regenerating, _ticket, cancellationToken);
}
