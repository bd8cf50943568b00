namespace ChatBot.Llm.LlamaSharp;

// Settings of the embedded model, bound from the "Llm" configuration section (environment: Llm__ModelPath=...).
public sealed class LlamaSharpOptions
{
    public const string SectionName = "Llm";

    public const string DefaultDownloadUrl =
        "https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/qwen2.5-0.5b-instruct-q4_k_m.gguf";

    // A GGUF file. When empty, the model at DownloadUrl is downloaded once into CacheDirectory and used from there.
    // With ModelS3Uri set, this is where the object is copied to (on Lambda: /tmp/model.gguf).
    public string? ModelPath { get; set; }

    // A folder of GGUF models to offer besides the one above (the default): each *.gguf in it is a model users can
    // choose, named by its file name without ".gguf". One model is in memory at a time.
    public string? ModelsDirectory { get; set; }

    // s3://bucket/key of a GGUF model, copied to ModelPath at startup unless a complete copy is already there.
    // On Lambda that is once per cold start: /tmp starts empty in every new execution environment.
    public string? ModelS3Uri { get; set; }

    // An S3-compatible endpoint instead of AWS's (a local test server); empty means AWS S3 in the SDK's region.
    public string? ModelS3ServiceUrl { get; set; }

    // Ranged GETs of the S3 object in flight at once: S3 serves each connection at a capped rate, several fill the link.
    public int ModelS3Concurrency { get; set; } = 8;

    // Tokens of prompt plus answer per request; capped at the context length the model was trained with.
    public int ContextSize { get; set; } = 4096;

    // CPU threads llama.cpp uses per request. Tests set 1 so parallel test projects don't fight over the cores.
    public int Threads { get; set; } = Environment.ProcessorCount;

    // The answer budget when a request doesn't set ChatOptions.MaxOutputTokens; history is trimmed to leave room for it.
    public int MaxOutputTokens { get; set; } = 1024;

    // Requests generating at the same time, each with its own llama.cpp context (KV cache). Others wait their turn.
    public int MaxConcurrentRequests { get; set; } = 2;

    public string DownloadUrl { get; set; } = DefaultDownloadUrl;

    // Where downloaded models are kept; defaults to $XDG_CACHE_HOME/chatbot/models or ~/.cache/chatbot/models.
    public string? CacheDirectory { get; set; }

    internal string ResolveCacheDirectory()
    {
        if (!string.IsNullOrWhiteSpace(CacheDirectory))
            return CacheDirectory;
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = !string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg)
            ? xdg
            : OperatingSystem.IsWindows()
                ? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData)
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "chatbot", "models");
    }
}
