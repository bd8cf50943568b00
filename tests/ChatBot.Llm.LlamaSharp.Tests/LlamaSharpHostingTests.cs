using ChatBot.TestKit;
using ChatBot.TestKit.LocalServers;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ChatBot.Llm.LlamaSharp.Tests;

public sealed class LlamaSharpHostingTests(TinyModels models, S3rverFixture s3) : IClassFixture<S3rverFixture>, IDisposable
{
    private readonly DirectoryInfo _cache = Directory.CreateTempSubdirectory("chatbot-cache-tests-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _cache.Delete(recursive: true);

    [Fact]
    public async Task AddLlamaSharpChatClient_WithModelPath_ServesTheModelAsTheAppsChatClient()
    {
        using var host = BuildHost(new() { ["Llm:LlamaSharp:ModelPath"] = models.PlainPath });
        await host.StartAsync(Ct);

        var response = await host.Services.GetRequiredService<IChatClient>().GetResponseAsync("Hello", cancellationToken: Ct);

        Assert.Equal(TinyGgufModel.ExpectedChatAnswer, response.Text);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task AddLlamaSharpChatClient_WithMissingModelFile_StopsStartupWithAMessageNamingTheSetting()
    {
        using var host = BuildHost(new() { ["Llm:LlamaSharp:ModelPath"] = "/nowhere/model.gguf" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("Llm:LlamaSharp:ModelPath", error.Message);
    }

    [Fact]
    public async Task AddLlamaSharpChatClient_WithoutModelPath_DownloadsTheModelIntoTheCacheAtStartup()
    {
        await using var server = await ModelServer.StartAsync(TinyGgufModel.Create());
        using var host = BuildHost(new()
        {
            ["Llm:LlamaSharp:DownloadUrl"] = server.Url.ToString(),
            ["Llm:LlamaSharp:CacheDirectory"] = _cache.FullName,
        });

        await host.StartAsync(Ct);

        Assert.True(File.Exists(Path.Combine(_cache.FullName, "tiny.gguf")));
        var response = await host.Services.GetRequiredService<IChatClient>().GetResponseAsync("Hello", cancellationToken: Ct);
        Assert.Equal(TinyGgufModel.ExpectedChatAnswer, response.Text);
        Assert.Equal("tiny", host.Services.GetRequiredService<IChatClient>().GetService<ChatClientMetadata>()!.DefaultModelId);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task AddLlamaSharpChatClient_WithModelS3Uri_CopiesTheModelAtStartupAndNamesItAfterTheKey()
    {
        var uri = await s3.PutAsync($"{Guid.NewGuid():N}/qwen2.5-0.5b-instruct-q4_k_m.gguf", TinyGgufModel.Create(), Ct);
        var modelPath = Path.Combine(_cache.FullName, "model.gguf");
        using var host = BuildHost(
            new() { ["Llm:LlamaSharp:ModelS3Uri"] = uri, ["Llm:LlamaSharp:ModelS3ServiceUrl"] = s3.ServiceUrl, ["Llm:LlamaSharp:ModelPath"] = modelPath },
            services => services.AddSingleton(S3rverFixture.Credentials));

        await host.StartAsync(Ct);

        Assert.True(File.Exists(modelPath));
        var client = host.Services.GetRequiredService<IChatClient>();
        Assert.Equal(TinyGgufModel.ExpectedChatAnswer, (await client.GetResponseAsync("Hello", cancellationToken: Ct)).Text);
        Assert.Equal("qwen2.5-0.5b-instruct-q4_k_m", client.GetService<ChatClientMetadata>()!.DefaultModelId);
        await host.StopAsync(Ct);
    }

    private static IHost BuildHost(Dictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        services?.Invoke(builder.Services);
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Llm:LlamaSharp:Threads"] = "1", ["Llm:LlamaSharp:ContextSize"] = "512" });
        builder.Services.AddLlamaSharpChatClient(builder.Configuration.GetSection("Llm")).UseLogging();
        builder.Services.AddLogging();
        return builder.Build();
    }
}
