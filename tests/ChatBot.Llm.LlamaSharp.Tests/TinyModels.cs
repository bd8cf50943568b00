using ChatBot.Llm.LlamaSharp;
using ChatBot.TestKit;

[assembly: AssemblyFixture(typeof(ChatBot.Llm.LlamaSharp.Tests.TinyModels))]

namespace ChatBot.Llm.LlamaSharp.Tests;

// The generated alphabet model, written and loaded once for the whole test assembly: in its plain form (no chat
// template, like stories260K) and with a ChatML template.
public sealed class TinyModels : IAsyncLifetime
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("chatbot-llm-tests-");

    public TinyModels()
    {
        PlainPath = Path.Combine(_directory.FullName, "tiny-plain.gguf");
        ChatMlPath = Path.Combine(_directory.FullName, "tiny-chatml.gguf");
        TinyGgufModel.Write(PlainPath);
        TinyGgufModel.Write(ChatMlPath, TinyGgufModel.ChatMlTemplate);
        Plain = new LlamaModelLoader(PlainPath);
        ChatMl = new LlamaModelLoader(ChatMlPath);
    }

    public string PlainPath { get; }

    public string ChatMlPath { get; }

    public LlamaModelLoader Plain { get; }

    public LlamaModelLoader ChatMl { get; }

    // Small numbers keep tests quick; one thread because the machine's two cores are shared with other test runs.
    public static LlamaSharpOptions Options(Action<LlamaSharpOptions>? configure = null)
    {
        var options = new LlamaSharpOptions { ContextSize = 512, Threads = 1 };
        configure?.Invoke(options);
        return options;
    }

    public LlamaSharpChatClient PlainClient(Action<LlamaSharpOptions>? configure = null) => new(Plain, Options(configure));

    public LlamaSharpChatClient ChatMlClient(Action<LlamaSharpOptions>? configure = null) => new(ChatMl, Options(configure));

    public async ValueTask InitializeAsync()
    {
        await Plain.GetModelAsync();
        await ChatMl.GetModelAsync();
    }

    public ValueTask DisposeAsync()
    {
        Plain.Dispose();
        ChatMl.Dispose();
        _directory.Delete(recursive: true);
        return ValueTask.CompletedTask;
    }
}
