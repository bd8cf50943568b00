using System.Text;
using LLama;
using LLama.Native;
using ChatBot.Core;
using Microsoft.Extensions.AI;

namespace ChatBot.Llm.LlamaSharp;

// The prompt for one request: the conversation formatted for the model, tokenized, and trimmed to a token budget.
// ContinuesAnswer: the conversation ended with the start of an answer, which the prompt ends with, for the model to go on.
internal sealed record ChatPrompt(string Text, LLamaToken[] Tokens, int DroppedMessages, bool UsesChatTemplate, bool ContinuesAnswer = false);

// Formats a conversation with the model's chat template, or with a plain "User: ... / Assistant:" transcript when
// the model has none, and trims it to fit the context window.
//
// Trimming is by real token count and by whole messages: the oldest messages go first; the system prompt and the
// newest message are always kept, and no message is ever cut in half. History never starts with an assistant turn,
// because an answer without its question only confuses the model.
internal sealed class ChatPromptBuilder(LlamaModel model)
{
    // A base model given a plain transcript tends to go on and write the user's next turn; these end the answer there.
    public static readonly IReadOnlyList<string> PlainFormatStopSequences = ["\nUser:", "\nSystem:"];

    private readonly LlamaModel _model = model;

    public ChatPrompt Build(IEnumerable<ChatMessage> messages, string? instructions, int maxPromptTokens)
    {
        var system = SystemText(messages, instructions);
        var history = messages
            .Where(m => m.Role != ChatRole.System && !string.IsNullOrWhiteSpace(m.Text))
            .Select(m => (Role: m.Role == ChatRole.Assistant ? "assistant" : "user", m.Text))
            .ToList();
        if (history.Count == 0)
        {
            throw new ArgumentException("The conversation has no message to answer.", nameof(messages));
        }

        var all = Candidate(system, history, firstKept: 0);
        if (all.Tokens.Length <= maxPromptTokens)
        {
            return all;
        }

        // Dropping more messages never makes the prompt longer, so binary-search the fewest that must go.
        var (low, high) = (1, history.Count - 1);
        ChatPrompt? best = null;
        while (low <= high)
        {
            var mid = (low + high) / 2;
            var candidate = Candidate(system, history, mid);
            if (candidate.Tokens.Length <= maxPromptTokens)
            {
                best = candidate;
                high = mid - 1;
            }
            else
            {
                low = mid + 1;
            }
        }

        return best ?? throw new PromptTooLongException(Candidate(system, history, history.Count - 1).Tokens.Length, maxPromptTokens);
    }

    private static string? SystemText(IEnumerable<ChatMessage> messages, string? instructions)
    {
        // Templates differ on where, and how many, system messages they allow: one merged system turn suits all.
        var parts = messages.Where(m => m.Role == ChatRole.System).Select(m => m.Text).Append(instructions)
            .Where(t => !string.IsNullOrWhiteSpace(t))
            .ToList();
        return parts.Count == 0 ? null : string.Join("\n\n", parts);
    }

    private ChatPrompt Candidate(string? system, List<(string Role, string Text)> history, int firstKept)
    {
        while (firstKept < history.Count - 1 && history[firstKept].Role == "assistant")
        {
            firstKept++;
        }

        var kept = history.Skip(firstKept).ToList();
        if (system is not null)
        {
            kept.Insert(0, ("system", system));
        }

        // A last message from the assistant is an answer to go on with: the prompt opens the assistant's turn and ends
        // with that text, instead of closing it and opening a new one.
        var continues = kept.Count > 1 && kept[^1].Role == "assistant";
        var prefill = continues ? kept[^1].Text : null;
        if (continues)
        {
            kept.RemoveAt(kept.Count - 1);
        }

        var text = (_model.ChatTemplate is { } template ? ApplyTemplate(template, kept) : PlainFormat(kept))
            + (prefill is null ? "" : (_model.ChatTemplate is null ? " " : "") + prefill);
        // Special tokens are parsed so the template's markers (e.g. <|im_start|>) become the model's control tokens.
        // User text that spells such a marker is parsed too; llama.cpp's own server does the same.
        var tokens = _model.Weights.Tokenize(text, _model.Weights.Vocab.ShouldAddBOS, special: true, Encoding.UTF8);
        return new ChatPrompt(text, tokens, firstKept, _model.ChatTemplate is not null, continues);
    }

    private static string ApplyTemplate(string template, List<(string Role, string Text)> messages)
    {
        var chat = new LLamaTemplate(template) { AddAssistant = true };
        foreach (var (role, text) in messages)
        {
            chat.Add(role, text);
        }

        return Encoding.UTF8.GetString(chat.Apply());
    }

    private static string PlainFormat(List<(string Role, string Text)> messages)
    {
        var prompt = new StringBuilder();
        foreach (var (role, text) in messages)
        {
            var label = role switch { "system" => "System", "assistant" => "Assistant", _ => "User" };
            prompt.Append(label).Append(": ").Append(text.Trim()).Append('\n');
        }
        return prompt.Append("Assistant:").ToString();
    }
}
