using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatBot.Llm.Bedrock.Tests;

public sealed class OptionsTests
{
    [Fact]
    public void Defaults_AreValidOnceARegionIsSet()
    {
        var result = new BedrockOptionsValidator().Validate(null, new BedrockOptions { Region = "eu-central-1" });

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.Equal(new Uri("https://bedrock-runtime.eu-central-1.amazonaws.com/"), new BedrockOptions { Region = "eu-central-1" }.ResolveEndpoint());
    }

    [Fact]
    public void MissingRegion_IsReportedWithTheSettingToSet()
    {
        var result = new BedrockOptionsValidator().Validate(null, new BedrockOptions());

        Assert.Contains("Llm:Bedrock:Region is required", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("AWS_REGION", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ModelId", " ", "Llm:Bedrock:ModelId")]
    [InlineData("Region", "US East", "Llm:Bedrock:Region")]
    [InlineData("Endpoint", "http://bedrock.example.com/", "Llm:Bedrock:Endpoint")]
    [InlineData("ResponseTimeout", "00:00:00", "Llm:Bedrock:ResponseTimeout")]
    [InlineData("MaxRetries", "50", "Llm:Bedrock:MaxRetries")]
    public void InvalidSetting_StopsStartupWithAMessageNamingIt(string key, string value, string expected)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Llm:Bedrock:Region"] = "us-east-1", ["Llm:Bedrock:" + key] = value })
            .Build();
        var collection = new ServiceCollection().AddLogging();
        collection.AddBedrockChatClient(configuration.GetSection("Llm"));
        using var services = collection.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<BedrockOptions>>().Value);

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
