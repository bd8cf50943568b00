namespace ChatBot.Llm.LlamaSharp;

/// <summary>
/// Settings of the embedded model, bound from <c>Llm:LlamaSharp</c> when <c>Llm:Provider=LlamaSharp</c>
/// (environment: <c>Llm__LlamaSharp__ModelPath=...</c>).
/// </summary>
public sealed class LlamaSharpOptions
{
    /// <summary>The subsection of <c>Llm</c> these options are bound from.</summary>
    public const string SectionName = "LlamaSharp";

    public const string DefaultDownloadUrl =
        "https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/qwen2.5-0.5b-instruct-q4_k_m.gguf";

    /// <summary>
    /// A GGUF file. When empty, the model at DownloadUrl is downloaded once into CacheDirectory and used from there.
    /// With ModelS3Uri set, this is where the object is copied to (on Lambda: /tmp/model.gguf).
    /// </summary>
    public string? ModelPath { get; set; }

    /// <summary>
    /// A folder of GGUF models to offer besides the one above (the default): each *.gguf in it is a model users can
    /// choose, named by its file name without ".gguf". One model is in memory at a time.
    /// </summary>
    public string? ModelsDirectory { get; set; }

    /// <summary>
    /// s3://bucket/key of a GGUF model, copied to ModelPath at startup unless a complete copy is already there.
    /// On Lambda that is once per cold start: /tmp starts empty in every new execution environment.
    /// </summary>
    public string? ModelS3Uri { get; set; }

    /// <summary>An S3-compatible endpoint instead of AWS's (a local test server); empty means AWS S3 in the SDK's region.</summary>
    public string? ModelS3ServiceUrl { get; set; }

    /// <summary>Ranged GETs of the S3 object in flight at once: S3 serves each connection at a capped rate, several fill the link.</summary>
    public int ModelS3Concurrency { get; set; } = 8;

    /// <summary>Tokens of prompt plus answer per request; capped at the context length the model was trained with.</summary>
    public int ContextSize { get; set; } = 4096;

    /// <summary>CPU threads llama.cpp uses per request. Tests set 1 so parallel test projects don't fight over the cores.</summary>
    public int Threads { get; set; } = Environment.ProcessorCount;

    /// <summary>Requests generating at the same time, each with its own llama.cpp context (KV cache). Others wait their turn.</summary>
    public int MaxConcurrentRequests { get; set; } = 2;

    /// <summary>Where the model is downloaded from when neither ModelPath nor ModelS3Uri names one.</summary>
    public string DownloadUrl { get; set; } = DefaultDownloadUrl;

    /// <summary>Where downloaded models are kept; defaults to $XDG_CACHE_HOME/chatbot/models or ~/.cache/chatbot/models.</summary>
    public string? CacheDirectory { get; set; }

    internal string ResolveCacheDirectory()
    {
        if (!string.IsNullOrWhiteSpace(CacheDirectory))
        {
            return CacheDirectory;
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = !string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg)
            ? xdg
            : OperatingSystem.IsWindows()
                ? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData)
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "chatbot", "models");
    }
}
