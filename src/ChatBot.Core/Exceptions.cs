namespace ChatBot.Core;

/// <summary>
/// A configuration or environment problem that stops the app from starting. The message is one line for the person who
/// runs it: the setting, its bad value and what would work. The host prints it as <c>ChatBot cannot start: ...</c>
/// without a stack trace, so throw this (not InvalidOperationException) for anything a user fixes by changing a setting.
/// </summary>
public class StartupException(string message, Exception? innerException = null) : Exception(message, innerException);

/// <summary>A list cursor that was forged, corrupted or issued to another user.</summary>
public sealed class InvalidCursorException(string message) : Exception(message);

/// <summary>The store could not complete a write or read after its retries; the caller gets a 503 and may retry.</summary>
public sealed class StoreUnavailableException(string message, Exception? innerException = null) : Exception(message, innerException);

/// <summary>
/// An answer is still being written in the conversation: by another request with the same clientMessageId, or by any other
/// turn (one answer at a time per conversation, across instances).
/// </summary>
public sealed class TurnInProgressException(string message) : Exception(message);

/// <summary>The conversation was deleted while its answer was being written; nothing of the turn was kept.</summary>
public sealed class ConversationDeletedException(string message) : Exception(message);

/// <summary>Regenerate was asked of a conversation that has no question to answer again.</summary>
public sealed class NothingToRegenerateException(string message) : Exception(message);

/// <summary>Continue was asked of a conversation whose last answer was not cut off at the output-token limit.</summary>
public sealed class NothingToContinueException(string message) : Exception(message);

/// <summary>A model id that the deployment does not offer (see <see cref="ModelCatalog"/>).</summary>
public sealed class UnknownModelException(string message) : Exception(message);

/// <summary>An edit named a message that is not the conversation's last question.</summary>
public sealed class NotTheLastQuestionException(string message) : Exception(message);

/// <summary>
/// The newest message (with the system prompt) does not fit the model's context window. Raised before anything is stored
/// by a backend that counts tokens itself (<see cref="IPromptFitCheck"/>); the API answers it with 422 and both numbers.
/// </summary>
public sealed class PromptTooLongException(int neededTokens, int availableTokens)
    : Exception(
        $"The newest message and the system prompt need {neededTokens} tokens, but only {availableTokens} fit in the model's " +
        "context window after reserving room for the answer. Send a shorter message, or raise Llm:LlamaSharp:ContextSize.")
{
    public int NeededTokens { get; } = neededTokens;

    public int AvailableTokens { get; } = availableTokens;
}

public enum ModelErrorKind
{
    /// <summary>The model service is rate limiting us (HTTP 429).</summary>
    Throttled,

    /// <summary>The model service is down or overloaded (HTTP 503).</summary>
    Unavailable,

    /// <summary>The deployment may not use this model: access not enabled, or wrong permissions (HTTP 503: an operator must act).</summary>
    AccessDenied,

    /// <summary>The request was refused as invalid, such as input too long (HTTP 422).</summary>
    InvalidRequest,

    /// <summary>Any other failure of the model backend (HTTP 502).</summary>
    Failed,
}

/// <summary>A model backend failure, classified so the API can answer with the right status and advice.</summary>
public sealed class ModelException(ModelErrorKind kind, string message, TimeSpan? retryAfter = null, Exception? innerException = null)
    : Exception(message, innerException)
{
    public ModelErrorKind Kind { get; } = kind;

    /// <summary>How long the caller should wait before retrying, for <see cref="ModelErrorKind.Throttled"/> and <see cref="ModelErrorKind.Unavailable"/>.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
