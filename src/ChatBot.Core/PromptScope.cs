using Microsoft.Extensions.AI;

namespace ChatBot.Core;

/// <summary>
/// Whose prompt a model call carries, passed to the backend in <see cref="ChatOptions.AdditionalProperties"/>. A backend
/// that keeps a prompt's computed state for the next call (the in-process model keeps llama.cpp's KV cache) reuses it only
/// within one scope, so how fast one user's answer starts never depends on what another user asked.
/// </summary>
public static class PromptScope
{
    private const string Key = "chatbot.prompt_scope";

    /// <summary>Marks the call's prompt as belonging to <paramref name="scope"/> (ChatService uses the user id).</summary>
    public static ChatOptions WithPromptScope(this ChatOptions options, string scope)
    {
        (options.AdditionalProperties ??= [])[Key] = scope;
        return options;
    }

    /// <summary>The call's scope, or null when the caller set none (then nothing is reused).</summary>
    public static string? Of(ChatOptions? options) =>
        options?.AdditionalProperties is { } properties && properties.TryGetValue(Key, out var value) ? value as string : null;
}
