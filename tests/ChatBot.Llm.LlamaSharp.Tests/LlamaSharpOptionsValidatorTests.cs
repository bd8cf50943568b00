using ChatBot.Llm.LlamaSharp;

namespace ChatBot.Llm.LlamaSharp.Tests;

public sealed class LlamaSharpOptionsValidatorTests
{
    private readonly LlamaSharpOptionsValidator _validator = new();

    [Fact]
    public void Validate_Defaults_Succeed() =>
        Assert.True(_validator.Validate(null, new LlamaSharpOptions()).Succeeded);

    [Fact]
    public void Validate_ModelPathWithNoFile_NamesTheSettingAndThePath()
    {
        var result = _validator.Validate(null, new LlamaSharpOptions { ModelPath = "/nowhere/model.gguf" });

        Assert.True(result.Failed);
        Assert.Contains("Llm:LlamaSharp:ModelPath", result.FailureMessage);
        Assert.Contains("/nowhere/model.gguf", result.FailureMessage);
    }

    [Fact]
    public void Validate_ModelPathToAFileThatIsNotGguf_SaysSo()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "<html>a download page, not a model</html>");

            var result = _validator.Validate(null, new LlamaSharpOptions { ModelPath = path });

            Assert.Contains($"Llm:LlamaSharp:ModelPath is '{path}', which is not a GGUF model", result.FailureMessage);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(nameof(LlamaSharpOptions.ContextSize), "Llm:LlamaSharp:ContextSize")]
    [InlineData(nameof(LlamaSharpOptions.Threads), "Llm:LlamaSharp:Threads")]
    [InlineData(nameof(LlamaSharpOptions.MaxConcurrentRequests), "Llm:LlamaSharp:MaxConcurrentRequests")]
    public void Validate_ZeroNumber_NamesTheSetting(string property, string setting)
    {
        var options = new LlamaSharpOptions();
        typeof(LlamaSharpOptions).GetProperty(property)!.SetValue(options, 0);

        var result = _validator.Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(setting, result.FailureMessage);
    }

    [Fact]
    public void Validate_DownloadUrlThatIsNotHttp_NamesTheSetting()
    {
        var result = _validator.Validate(null, new LlamaSharpOptions { DownloadUrl = "ftp://example.org/model.gguf" });

        Assert.Contains("Llm:LlamaSharp:DownloadUrl", result.FailureMessage);
    }

    [Fact]
    public void Validate_ModelS3UriWithModelPathNotThereYet_Succeeds() =>
        Assert.True(_validator.Validate(null, new LlamaSharpOptions { ModelS3Uri = "s3://my-models/qwen.gguf", ModelPath = "/nowhere/model.gguf" }).Succeeded);

    [Fact]
    public void Validate_ModelS3UriThatIsNotAnS3Uri_NamesTheSettingAndTheForm()
    {
        var result = _validator.Validate(null, new LlamaSharpOptions { ModelS3Uri = "https://my-models.s3.amazonaws.com/qwen.gguf", ModelPath = "/tmp/model.gguf" });

        Assert.True(result.Failed);
        Assert.Contains("Llm:LlamaSharp:ModelS3Uri", result.FailureMessage);
        Assert.Contains("s3://<bucket>/<key>", result.FailureMessage);
    }

    [Fact]
    public void Validate_ModelS3UriWithoutModelPath_AsksWhereToCopyIt()
    {
        var result = _validator.Validate(null, new LlamaSharpOptions { ModelS3Uri = "s3://my-models/qwen.gguf" });

        Assert.True(result.Failed);
        Assert.Contains("Llm:LlamaSharp:ModelPath", result.FailureMessage);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65)]
    public void Validate_ModelS3ConcurrencyOutOfRange_NamesTheSetting(int concurrency)
    {
        var result = _validator.Validate(null, new LlamaSharpOptions { ModelS3Uri = "s3://my-models/qwen.gguf", ModelPath = "/tmp/model.gguf", ModelS3Concurrency = concurrency });

        Assert.True(result.Failed);
        Assert.Contains("Llm:LlamaSharp:ModelS3Concurrency", result.FailureMessage);
    }

    [Fact]
    public void Validate_ModelS3ServiceUrlThatIsNotAUrl_NamesTheSetting()
    {
        var result = _validator.Validate(null, new LlamaSharpOptions { ModelS3Uri = "s3://my-models/qwen.gguf", ModelPath = "/tmp/model.gguf", ModelS3ServiceUrl = "localhost 9000" });

        Assert.Contains("Llm:LlamaSharp:ModelS3ServiceUrl", result.FailureMessage);
    }

    [Fact]
    public void ResolveCacheDirectory_WhenNotSet_IsUnderTheUserCache()
    {
        var directory = new LlamaSharpOptions().ResolveCacheDirectory();

        Assert.EndsWith(Path.Combine("chatbot", "models"), directory);
    }
}
