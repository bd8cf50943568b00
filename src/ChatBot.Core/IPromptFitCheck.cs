using Microsoft.Extensions.AI;

namespace ChatBot.Core;

/// <summary>
/// Offered through <see cref="IChatClient.GetService"/> by a model backend that can count tokens before it is called (the
/// embedded LLamaSharp one). <see cref="ChatService"/> asks it before storing a question, so a message that cannot fit is
/// refused with nothing stored. Backends without it (Bedrock, OpenAI-compatible) report the same case while answering.
/// </summary>
public interface IPromptFitCheck
{
    /// <summary>Throws <see cref="PromptTooLongException"/> when the newest message and the system prompt alone do not fit.</summary>
    ValueTask EnsureFitsAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken);
}
