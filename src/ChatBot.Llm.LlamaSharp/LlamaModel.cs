using LLama;
using LLama.Common;
using LLama.Exceptions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatBot.Llm.LlamaSharp;

// A GGUF model's weights, loaded once and shared by every request (each request gets its own context).
public sealed partial class LlamaModel : IDisposable
{
    private LlamaModel(string path, LLamaWeights weights, string? chatTemplate)
    {
        Path = path;
        Weights = weights;
        ChatTemplate = chatTemplate;
    }

    public string Path { get; }

    // The model's chat template when llama.cpp knows how to apply it; null means prompts use the plain format.
    public string? ChatTemplate { get; }

    public int TrainedContextSize => Weights.ContextSize;

    internal LLamaWeights Weights { get; }

    public static async Task<LlamaModel> LoadAsync(string path, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        loggerFactory ??= NullLoggerFactory.Instance;
        LlamaNativeLibrary.Configure(loggerFactory);
        var logger = loggerFactory.CreateLogger<LlamaModel>();

        LLamaWeights weights;
        try
        {
            // GPU layers stay at 0: only the CPU backend is shipped, and llama.cpp would otherwise look for devices.
            weights = await LLamaWeights.LoadFromFileAsync(new ModelParams(path) { GpuLayerCount = 0 }, cancellationToken);
        }
        catch (TypeInitializationException e) when (e.InnerException is RuntimeError)
        {
            throw new InvalidOperationException(
                "llama.cpp's native library could not be loaded. The executable project must reference the " +
                "LLamaSharp.Backend.Cpu package and set a RuntimeIdentifier (e.g. linux-x64).", e);
        }
        catch (LoadWeightsFailedException e)
        {
            throw new ChatBot.Core.StartupException(
                $"Llm:LlamaSharp:ModelPath is '{path}', which llama.cpp could not load. Point it at a GGUF model of an architecture llama.cpp supports, or remove it to download the default model.", e);
        }

        var template = FindUsableTemplate(weights);
        LogLoaded(logger, path, template is null ? "plain" : "the model's chat template");
        return new LlamaModel(path, weights, template);
    }

    public void Dispose() => Weights.Dispose();

    // llama.cpp does not run the Jinja template stored in the file: it recognises well-known templates by their
    // markers and formats them natively. A template it does not recognise is as good as none.
    private static string? FindUsableTemplate(LLamaWeights weights)
    {
        var template = weights.NativeHandle.GetTemplate(name: null, strict: false);
        if (template is null)
        {
            return null;
        }

        try
        {
            new LLamaTemplate(template) { AddAssistant = true }.Add("user", "hi").Apply();
            return template;
        }
        catch (MissingTemplateException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded model {Path}; prompts use the {PromptFormat} format")]
    private static partial void LogLoaded(ILogger logger, string path, string promptFormat);
}
