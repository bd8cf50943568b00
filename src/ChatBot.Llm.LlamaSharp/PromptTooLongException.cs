namespace ChatBot.Llm.LlamaSharp;

// The system prompt and the newest message alone do not fit the context window. It derives from ArgumentException
// because it is the caller's input that is too long: hosts answer it with 400, not 500.
public sealed class PromptTooLongException(string message) : ArgumentException(message);
