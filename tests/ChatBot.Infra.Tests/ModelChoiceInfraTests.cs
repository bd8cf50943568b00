namespace ChatBot.Infra.Tests;

/// <summary>The models users may choose on AWS: from the context <c>models</c> (the first is the default) to the function.</summary>
public sealed class ModelChoiceInfraTests(SynthFixture fixture)
{
    [Fact]
    public void Function_OffersEveryModel_TheFirstAsTheDefault()
    {
        var environment = FunctionTests.Environment(fixture.Minimal);

        Assert.Equal(SynthFixture.MinimalModelId, environment["Llm__Bedrock__ModelId"]);
        Assert.Equal(SynthFixture.MinimalModelId, environment["Llm__Bedrock__Models__0"]);
        Assert.Equal(SynthFixture.MinimalSecondModelId, environment["Llm__Bedrock__Models__1"]);
        Assert.DoesNotContain("Llm__Bedrock__Models__2", environment.Keys);
    }

    [Fact]
    public void Models_ReplaceModelId_AndTheFirstIsTheDefault()
    {
        var settings = Read(new() { ["models"] = "openai.gpt-oss-120b-1:0, openai.gpt-oss-20b-1:0" });

        Assert.Equal(["openai.gpt-oss-120b-1:0", "openai.gpt-oss-20b-1:0"], settings.Models.Select(m => m.ModelId));
        Assert.Equal("openai.gpt-oss-120b-1:0", settings.Model!.ModelId);
    }

    [Fact]
    public void Models_NamingOneTwiceOrAnInvalidId_FailsNamingTheKey()
    {
        var error = Assert.Throws<DeploymentSettingsException>(() => Read(new() { ["models"] = "openai.gpt-oss-20b-1:0,openai.gpt-oss-20b-1:0,not a model" }));

        Assert.Contains("names a model twice", error.Message, StringComparison.Ordinal);
        Assert.Contains("'not a model'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Models_WithASelfHostedModel_FailsAsABedrockKey_TheListThereIsTheOneModel()
    {
        var error = Assert.Throws<DeploymentSettingsException>(() => Read(new() { ["llm"] = "fargate", ["models"] = "openai.gpt-oss-120b-1:0" }));

        Assert.Contains("models", error.Message, StringComparison.Ordinal);
        Assert.Empty(Read(new() { ["llm"] = "fargate" }).Models);
    }

    private DeploymentSettings Read(Dictionary<string, object> overrides)
    {
        var context = fixture.Context(overrides);
        return DeploymentSettings.FromContext(key => context.GetValueOrDefault(key), Path.GetTempPath());
    }
}
