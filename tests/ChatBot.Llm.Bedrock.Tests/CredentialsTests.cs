using Amazon.Runtime;
using ChatBot.Core;
using ChatBot.TestKit.Bedrock;

namespace ChatBot.Llm.Bedrock.Tests;

/// <summary>Changes process environment variables, so it runs alone.</summary>
[CollectionDefinition(nameof(EnvironmentVariables), DisableParallelization = true)]
public sealed class EnvironmentVariables;

[Collection(nameof(EnvironmentVariables))]
public sealed class CredentialsTests
{
    [Fact]
    public async Task DefaultChain_SignsWithTheEnvironmentCredentials_AndTakesTheRegionFromAwsRegion()
    {
        var fromEnvironment = new FakeAwsCredentials("AKIAFROMENVIRONMENT", "environment/secret/key", "environment-session-token");
        string[] names = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_EC2_METADATA_DISABLED"];
        var saved = names.ToDictionary(n => n, Environment.GetEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", fromEnvironment.AccessKeyId);
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", fromEnvironment.SecretAccessKey);
            Environment.SetEnvironmentVariable("AWS_SESSION_TOKEN", fromEnvironment.SessionToken);
            Environment.SetEnvironmentVariable("AWS_REGION", "us-east-1");
            // Never reach for an instance metadata endpoint from a test, whatever the chain decides.
            Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");

            await using var bedrock = await BedrockHarness.StartAsync(new Dictionary<string, string?> { ["Region"] = null }, useDefaultChain: true);
            bedrock.Server.AllowCredentials(fromEnvironment);

            await bedrock.StreamAsync(cancellationToken: TestContext.Current.CancellationToken);

            var request = Assert.Single(bedrock.Server.Requests);
            Assert.True(request.Signature.Verified, string.Join('\n', request.Signature.Problems));
            Assert.Equal(fromEnvironment.AccessKeyId, request.Signature.AccessKeyId);
        }
        finally
        {
            foreach (var (name, value) in saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }

    [Fact]
    public async Task CredentialsThatCannotBeResolved_BecomeAccessDeniedSayingHowToProvideThem()
    {
        await using var bedrock = await BedrockHarness.StartAsync(credentials: new UnresolvableCredentials());

        var (_, error) = await bedrock.StreamUntilFailureAsync();

        var exception = Assert.IsType<ModelException>(error);
        Assert.Equal(ModelErrorKind.AccessDenied, exception.Kind);
        Assert.Contains("AWS credentials", exception.Message, StringComparison.Ordinal);
        Assert.Contains("IAM role", exception.Message, StringComparison.Ordinal);
        Assert.Empty(bedrock.Server.Requests);
    }

    [Fact]
    public async Task RefreshedCredentials_AreUsedForTheNextCall()
    {
        var rotated = new FakeAwsCredentials("AKIAROTATEDKEY", "rotated/secret", "rotated-token");
        var credentials = new RotatingCredentials(FakeBedrockServer.TestCredentials);
        await using var bedrock = await BedrockHarness.StartAsync(credentials: credentials);
        bedrock.Server.AllowCredentials(rotated);

        await bedrock.StreamAsync(cancellationToken: TestContext.Current.CancellationToken);
        credentials.Current = rotated;
        await bedrock.StreamAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(
            [FakeBedrockServer.TestCredentials.AccessKeyId, rotated.AccessKeyId],
            bedrock.Server.Requests.Select(r => r.Signature.AccessKeyId));
        bedrock.AssertEveryRequestWouldPassAws();
    }

    private sealed class UnresolvableCredentials : AWSCredentials
    {
        public override ImmutableCredentials GetCredentials() => throw new AmazonClientException("Failed to resolve AWS credentials.");

        public override Task<ImmutableCredentials> GetCredentialsAsync() => throw new AmazonClientException("Failed to resolve AWS credentials.");
    }

    /// <summary>Stands in for the SDK's refreshing credentials: each signing asks for the current set.</summary>
    private sealed class RotatingCredentials(FakeAwsCredentials initial) : AWSCredentials
    {
        public FakeAwsCredentials Current { get; set; } = initial;

        public override ImmutableCredentials GetCredentials() => new(Current.AccessKeyId, Current.SecretAccessKey, Current.SessionToken);
    }
}
