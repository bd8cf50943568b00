namespace ChatBot.Infra.Tests;

/// <summary>Least privilege for Bedrock: exactly the ARNs one model id needs.</summary>
public sealed class BedrockModelAccessTests
{
    private const string Account = "${AWS::AccountId}";

    [Fact]
    public void PlainModelId_GrantsOnlyItsFoundationModelInTheStackRegion()
    {
        var access = BedrockModelAccess.Create("openai.gpt-oss-20b-1:0", "us-west-2", null);

        Assert.False(access.IsInferenceProfile);
        Assert.Equal(["arn:aws:bedrock:us-west-2::foundation-model/openai.gpt-oss-20b-1:0"], access.ResourceArns(Account));
    }

    [Fact]
    public void UsInferenceProfile_GrantsTheProfileAndTheModelInEveryUsRegionItRoutesTo()
    {
        var access = BedrockModelAccess.Create("us.meta.llama3-3-70b-instruct-v1:0", "us-east-1", null);

        Assert.Equal("meta.llama3-3-70b-instruct-v1:0", access.FoundationModelId);
        Assert.Equal(
        [
            "arn:aws:bedrock:us-east-1:${AWS::AccountId}:inference-profile/us.meta.llama3-3-70b-instruct-v1:0",
            "arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-3-70b-instruct-v1:0",
            "arn:aws:bedrock:us-east-2::foundation-model/meta.llama3-3-70b-instruct-v1:0",
            "arn:aws:bedrock:us-west-1::foundation-model/meta.llama3-3-70b-instruct-v1:0",
            "arn:aws:bedrock:us-west-2::foundation-model/meta.llama3-3-70b-instruct-v1:0",
        ], access.ResourceArns(Account));
    }

    [Fact]
    public void InferenceRegions_OverrideTheGeographyDefault_AndAlwaysIncludeTheSourceRegion()
    {
        var access = BedrockModelAccess.Create("eu.amazon.nova-lite-v1:0", "eu-west-1", ["eu-central-1", "eu-west-1"]);

        Assert.Equal(["eu-central-1", "eu-west-1"], access.FoundationModelRegions);
    }

    [Fact]
    public void GeographyProfile_FromARegionOutsideIt_FailsClearly()
    {
        var error = Assert.Throws<ArgumentException>(() => BedrockModelAccess.Create("eu.amazon.nova-lite-v1:0", "us-west-2", null));

        Assert.Contains("is a 'eu' inference profile, which cannot be called from region us-west-2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GlobalProfile_AddsTheRegionlessFoundationModelArn()
    {
        var access = BedrockModelAccess.Create("global.anthropic.claude-sonnet-4-20250514-v1:0", "us-west-2", null);

        Assert.Equal(
        [
            "arn:aws:bedrock:us-west-2:${AWS::AccountId}:inference-profile/global.anthropic.claude-sonnet-4-20250514-v1:0",
            "arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-sonnet-4-20250514-v1:0",
            "arn:aws:bedrock:::foundation-model/anthropic.claude-sonnet-4-20250514-v1:0",
        ], access.ResourceArns(Account));
    }

    [Fact]
    public void InferenceRegions_ForAPlainModel_Fail() =>
        Assert.Throws<ArgumentException>(() => BedrockModelAccess.Create("openai.gpt-oss-20b-1:0", "us-west-2", ["us-east-1"]));

    [Theory]
    [InlineData("cn-north-1", "aws-cn")]
    [InlineData("us-gov-west-1", "aws-us-gov")]
    [InlineData("eu-west-1", "aws")]
    public void Partition_FollowsTheRegion(string region, string partition) =>
        Assert.Equal(partition, BedrockModelAccess.PartitionOf(region));
}
