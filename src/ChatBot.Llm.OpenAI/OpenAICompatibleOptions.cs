using Microsoft.Extensions.Options;

namespace ChatBot.Llm.OpenAI;

/// <summary>
/// How ChatBot reaches an OpenAI-compatible server (llama.cpp <c>llama-server</c>, vLLM, Ollama), bound from
/// <c>Llm:OpenAI</c> when <c>Llm:Provider=OpenAI</c>.
/// </summary>
public sealed class OpenAICompatibleOptions
{
    /// <summary>The subsection of <c>Llm</c> these options are bound from.</summary>
    public const string SectionName = "OpenAI";

    /// <summary>The API base, usually ending in <c>/v1</c>, such as <c>http://llama.internal:8080/v1</c>.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The model name the server expects; llama-server accepts any name for the one model it serves.</summary>
    public string? ModelId { get; set; }

    /// <summary>Sent as a bearer token when the server requires one (llama-server <c>--api-key</c>).</summary>
    public string? ApiKey { get; set; }

    /// <summary>Retries of 429 and 5xx answers and of connection failures, before any text has arrived.</summary>
    public int MaxRetries { get; set; } = 2;

    /// <summary>How long one call may take, streaming included.</summary>
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>Stops the app at startup with a message that names the setting and says how to fix it.</summary>
internal sealed class OpenAICompatibleOptionsValidator : IValidateOptions<OpenAICompatibleOptions>
{
    public ValidateOptionsResult Validate(string? name, OpenAICompatibleOptions options)
    {
        var failures = new List<string>();
        if (options.Endpoint is not { IsAbsoluteUri: true } endpoint || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add("Llm:OpenAI:Endpoint is required for Llm:Provider=OpenAI: the server's API base URL, such as 'http://127.0.0.1:8080/v1'.");
        }

        if (string.IsNullOrWhiteSpace(options.ModelId))
        {
            failures.Add("Llm:OpenAI:ModelId is required for Llm:Provider=OpenAI: the model name the server expects (any name works for llama-server).");
        }

        if (options.MaxRetries is < 0 or > 10)
        {
            failures.Add("Llm:OpenAI:MaxRetries must be between 0 and 10.");
        }

        if (options.NetworkTimeout <= TimeSpan.Zero)
        {
            failures.Add("Llm:OpenAI:NetworkTimeout must be positive, such as '00:05:00'.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
