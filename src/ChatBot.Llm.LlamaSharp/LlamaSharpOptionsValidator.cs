using ChatBot.Llm.LlamaSharp.Download;
using Microsoft.Extensions.Options;

namespace ChatBot.Llm.LlamaSharp;

// Turns bad settings into startup errors that name the setting and say how to fix it.
internal sealed class LlamaSharpOptionsValidator : IValidateOptions<LlamaSharpOptions>
{
    public ValidateOptionsResult Validate(string? name, LlamaSharpOptions options)
    {
        var failures = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.ModelS3Uri))
        {
            // The file is fetched at startup, so ModelPath names where it goes, not a file that must exist yet.
            if (!S3ObjectUri.TryParse(options.ModelS3Uri, out _))
            {
                failures.Add($"Llm:LlamaSharp:ModelS3Uri is '{options.ModelS3Uri}', which is not an S3 object URI. Use s3://<bucket>/<key>, such as s3://my-models/qwen2.5-0.5b-instruct-q4_k_m.gguf.");
            }

            if (string.IsNullOrWhiteSpace(options.ModelPath))
            {
                failures.Add("Llm:LlamaSharp:ModelS3Uri is set, so Llm:LlamaSharp:ModelPath must say where to copy the model, such as /tmp/model.gguf on Lambda.");
            }

            if (!string.IsNullOrWhiteSpace(options.ModelS3ServiceUrl) && !Uri.TryCreate(options.ModelS3ServiceUrl, UriKind.Absolute, out _))
            {
                failures.Add($"Llm:LlamaSharp:ModelS3ServiceUrl is '{options.ModelS3ServiceUrl}', which is not a URL. Leave it empty for AWS S3.");
            }

            if (options.ModelS3Concurrency is < 1 or > 64)
            {
                failures.Add($"Llm:LlamaSharp:ModelS3Concurrency is {options.ModelS3Concurrency}; it must be from 1 to 64.");
            }
        }
        else if (!string.IsNullOrWhiteSpace(options.ModelPath))
        {
            if (!File.Exists(options.ModelPath))
            {
                failures.Add($"Llm:LlamaSharp:ModelPath is '{options.ModelPath}', but there is no file there (full path: '{Path.GetFullPath(options.ModelPath)}'). Point it at a .gguf model file, or remove it to download the default model.");
            }
            else if (!IsGguf(options.ModelPath))
            {
                failures.Add($"Llm:LlamaSharp:ModelPath is '{options.ModelPath}', which is not a GGUF model (the file does not start with 'GGUF'). Point it at a .gguf model file, or remove it to download the default model.");
            }
        }
        else if (!Uri.TryCreate(options.DownloadUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            failures.Add($"Llm:LlamaSharp:DownloadUrl is '{options.DownloadUrl}', which is not an http(s) URL. Set it to a .gguf download URL, or set Llm:LlamaSharp:ModelPath to a model file.");
        }

        if (!string.IsNullOrWhiteSpace(options.ModelsDirectory) && !Directory.Exists(options.ModelsDirectory))
        {
            failures.Add($"Llm:LlamaSharp:ModelsDirectory is '{options.ModelsDirectory}', but there is no folder there (full path: '{Path.GetFullPath(options.ModelsDirectory)}'). Point it at a folder of .gguf models, or remove it to offer only the one model.");
        }

        if (options.ContextSize < 64)
        {
            failures.Add($"Llm:LlamaSharp:ContextSize is {options.ContextSize}; it must be at least 64 tokens (4096 is a good default).");
        }

        if (options.Threads < 1)
        {
            failures.Add($"Llm:LlamaSharp:Threads is {options.Threads}; it must be at least 1.");
        }

        if (options.MaxConcurrentRequests < 1)
        {
            failures.Add($"Llm:LlamaSharp:MaxConcurrentRequests is {options.MaxConcurrentRequests}; it must be at least 1.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // Checked here rather than left to llama.cpp, which would log two errors of its own before failing.
    private static bool IsGguf(string path)
    {
        Span<byte> magic = stackalloc byte[4];
        using var file = File.OpenRead(path);
        return file.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4 && magic.SequenceEqual("GGUF"u8);
    }
}
