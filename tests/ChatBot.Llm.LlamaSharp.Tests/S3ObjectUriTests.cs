using ChatBot.Llm.LlamaSharp.Download;

namespace ChatBot.Llm.LlamaSharp.Tests;

public sealed class S3ObjectUriTests
{
    [Theory]
    [InlineData("s3://my-models/qwen.gguf", "my-models", "qwen.gguf")]
    [InlineData("s3://my.models.eu/llm/qwen2.5/q4_k_m.gguf", "my.models.eu", "llm/qwen2.5/q4_k_m.gguf")]
    [InlineData("  s3://abc/key with spaces.gguf ", "abc", "key with spaces.gguf")]
    public void TryParse_BucketAndKey_SplitsAtTheFirstSlash(string value, string bucket, string key)
    {
        Assert.True(S3ObjectUri.TryParse(value, out var uri));

        Assert.Equal(new S3ObjectUri(bucket, key), uri);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("my-models/qwen.gguf")]
    [InlineData("https://my-models.s3.amazonaws.com/qwen.gguf")]
    [InlineData("s3://my-models")]
    [InlineData("s3://my-models/")]
    [InlineData("s3://My-Models/qwen.gguf")]
    [InlineData("s3://ab/qwen.gguf")]
    [InlineData("s3://-models/qwen.gguf")]
    public void TryParse_AnythingButBucketAndKey_IsRefused(string? value) =>
        Assert.False(S3ObjectUri.TryParse(value, out _));

    [Fact]
    public void ToString_IsTheFormItWasParsedFrom()
    {
        Assert.True(S3ObjectUri.TryParse("s3://my-models/llm/qwen.gguf", out var uri));

        Assert.Equal("s3://my-models/llm/qwen.gguf", uri.ToString());
    }
}
