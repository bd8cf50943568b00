using ChatBot.Llm.LlamaSharp;
using ChatBot.TestKit;

namespace ChatBot.Llm.LlamaSharp.Tests;

public sealed class LlamaModelLoaderTests(TinyModels models)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GetModelAsync_CalledConcurrently_LoadsTheModelOnce()
    {
        var resolutions = 0;
        using var loader = new LlamaModelLoader("tiny", _ =>
        {
            Interlocked.Increment(ref resolutions);
            return Task.FromResult(models.PlainPath);
        }, null);

        var loaded = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => loader.GetModelAsync(Ct), Ct)));

        Assert.Equal(1, resolutions);
        Assert.All(loaded, model => Assert.Same(loaded[0], model));
    }

    [Fact]
    public async Task GetModelAsync_AfterAFailedLoad_TriesAgain()
    {
        var attempts = 0;
        using var loader = new LlamaModelLoader("tiny", _ =>
            ++attempts == 1 ? Task.FromException<string>(new HttpRequestException("offline")) : Task.FromResult(models.PlainPath), null);

        await Assert.ThrowsAsync<HttpRequestException>(() => loader.GetModelAsync(Ct));
        var model = await loader.GetModelAsync(Ct);

        Assert.Equal(models.PlainPath, model.Path);
    }

    [Fact]
    public async Task GetModelAsync_OfAFileThatIsNotAModel_FailsNamingTheSetting()
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, "GGUF but not really", Ct);
            using var loader = new LlamaModelLoader(path);

            var error = await Assert.ThrowsAsync<ChatBot.Core.StartupException>(() => loader.GetModelAsync(Ct));

            Assert.Contains("Llm:LlamaSharp:ModelPath", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ModelId_IsTheFileNameWithoutExtension() =>
        Assert.Equal("tiny-plain", models.Plain.ModelId);
}
