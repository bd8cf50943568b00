using System.Text;
using Amazon.Runtime;
using ChatBot.Core;
using ChatBot.TestKit.Bedrock;

namespace ChatBot.Llm.Bedrock.Tests;

/// <summary>The fake is only worth its passing tests if it rejects what AWS would reject.</summary>
public sealed class FakeBedrockTests
{
    private static readonly FakeAwsCredentials AwsExampleCredentials = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");

    [Theory]
    [InlineData("/", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")]
    [InlineData("/?Param2=value2&Param1=value1", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")]
    public void SigV4Verifier_AcceptsAwsPublishedTestSuiteSignatures(string target, string signature)
    {
        var request = new WireRequest("GET", target,
        [
            new("Host", "example.amazonaws.com"),
            new("X-Amz-Date", "20150830T123600Z"),
            new("Authorization", $"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature={signature}"),
        ], []);

        var result = SigV4Verifier.Verify(request, "us-east-1", "service", _ => AwsExampleCredentials, new DateTimeOffset(2015, 8, 30, 12, 36, 0, TimeSpan.Zero));

        Assert.True(result.Verified, string.Join('\n', result.Problems));
    }

    [Fact]
    public void SigV4Verifier_RejectsASignatureOverADifferentPath()
    {
        var request = new WireRequest("GET", "/other",
        [
            new("Host", "example.amazonaws.com"),
            new("X-Amz-Date", "20150830T123600Z"),
            new("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        ], []);

        var result = SigV4Verifier.Verify(request, "us-east-1", "service", _ => AwsExampleCredentials, new DateTimeOffset(2015, 8, 30, 12, 36, 0, TimeSpan.Zero));

        Assert.Contains(result.Problems, p => p.StartsWith("The signature does not match", StringComparison.Ordinal));
    }

    [Fact]
    public void EventStreamFrame_HasThePreludeAndCrcsTheSpecificationDescribes()
    {
        var frame = EventStreamFrames.Event("messageStop", """{"stopReason":"end_turn"}""");

        var total = (frame[0] << 24) | (frame[1] << 16) | (frame[2] << 8) | frame[3];
        var headersLength = (frame[4] << 24) | (frame[5] << 16) | (frame[6] << 8) | frame[7];
        Assert.Equal(frame.Length, total);
        Assert.Equal(EventStreamFrames.Crc32(frame.AsSpan(0, 8)), ReadUInt32(frame, 8));
        Assert.Equal(EventStreamFrames.Crc32(frame.AsSpan(0, frame.Length - 4)), ReadUInt32(frame, frame.Length - 4));
        Assert.Equal("""{"stopReason":"end_turn"}""", Encoding.UTF8.GetString(frame, 12 + headersLength, total - 16 - headersLength));
        // CRC-32 check value for "123456789" (IEEE 802.3), so the checksum is the standard one and not merely self-consistent.
        Assert.Equal(0xCBF43926u, EventStreamFrames.Crc32("123456789"u8));
    }

    [Fact]
    public async Task WrongSecretKey_FailsVerification_AndIsReportedAsRejectedCredentials()
    {
        var wrongSecret = new SessionAWSCredentials(
            FakeBedrockServer.TestCredentials.AccessKeyId, "not-the-secret", FakeBedrockServer.TestCredentials.SessionToken);
        await using var bedrock = await BedrockHarness.StartAsync(credentials: wrongSecret);

        var (_, error) = await bedrock.StreamUntilFailureAsync();

        var exception = Assert.IsType<ModelException>(error);
        Assert.Equal(ModelErrorKind.AccessDenied, exception.Kind);
        Assert.Contains("InvalidSignatureException", exception.Message, StringComparison.Ordinal);
        var request = Assert.Single(bedrock.Server.Requests);
        Assert.Contains(request.Signature.Problems, p => p.StartsWith("The signature does not match", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnknownAccessKey_IsRejectedAsAnUnrecognizedClient()
    {
        await using var bedrock = await BedrockHarness.StartAsync(credentials: new BasicAWSCredentials("AKIAUNKNOWN", "secret"));

        var (_, error) = await bedrock.StreamUntilFailureAsync();

        var exception = Assert.IsType<ModelException>(error);
        Assert.Equal(ModelErrorKind.AccessDenied, exception.Kind);
        Assert.Contains("UnrecognizedClientException", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CredentialsWithoutTheSessionToken_AreRejected()
    {
        var noToken = new BasicAWSCredentials(FakeBedrockServer.TestCredentials.AccessKeyId, FakeBedrockServer.TestCredentials.SecretAccessKey);
        await using var bedrock = await BedrockHarness.StartAsync(credentials: noToken);

        var (_, error) = await bedrock.StreamUntilFailureAsync();

        Assert.Equal(ModelErrorKind.AccessDenied, Assert.IsType<ModelException>(error).Kind);
        Assert.Contains(Assert.Single(bedrock.Server.Requests).Signature.Problems, p => p.Contains("X-Amz-Security-Token", StringComparison.Ordinal));
    }

    private static uint ReadUInt32(byte[] bytes, int offset) =>
        (uint)((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]);
}
