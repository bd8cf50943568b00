using ChatBot.Core;
using ChatBot.TestKit.Bedrock;
using Microsoft.Extensions.AI;

namespace ChatBot.Llm.Bedrock.Tests;

public sealed class ErrorMappingTests
{
    [Fact]
    public async Task AccessDenied_NamesModelAndRegion_AndSaysToEnableModelAccess_WithoutRetrying()
    {
        await using var bedrock = await BedrockHarness.StartAsync();
        bedrock.Server.DefaultReply = FakeBedrockReply.AccessDenied();

        var (_, error) = await bedrock.StreamUntilFailureAsync();

        var exception = Assert.IsType<ModelException>(error);
        Assert.Equal(ModelErrorKind.AccessDenied, exception.Kind);
        Assert.Contains("'openai.gpt-oss-20b-1:0'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("us-east-1", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Model access", exception.Message, StringComparison.Ordinal);
        Assert.Contains("bedrock:InvokeModelWithResponseStream", exception.Message, StringComparison.Ordinal);
        Assert.Null(exception.RetryAfter);
        Assert.Single(bedrock.Server.Requests);
    }

    [Fact]
    public async Task ModelThatNeedsAnInferenceProfile_IsToldToUseTheProfileId()
    {
        const string modelId = "meta.llama3-3-70b-instruct-v1:0";
        await using var bedrock = await BedrockHarness.StartAsync(new Dictionary<string, string?> { ["ModelId"] = modelId });
        bedrock.Server.DefaultReply = FakeBedrockReply.InferenceProfileRequired(modelId);

        var (_, error) = await bedrock.StreamUntilFailureAsync();

        var exception = Assert.IsType<ModelException>(error);
        Assert.Equal(ModelErrorKind.AccessDenied, exception.Kind);
        Assert.Contains("inference profile", exception.Message, StringComparison.Ordinal);
        Assert.Contains("'us.meta.llama3-3-70b-instruct-v1:0'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Llm:Bedrock:ModelId", exception.Message, StringComparison.Ordinal);
        Assert.Single(bedrock.Server.Requests);
    }

    [Fact]
    public async Task InputTooLong_IsAnInvalidRequest_CarryingBedrocksReason()
    {
        await using var bedrock = await BedrockHarness.StartAsync();
        bedrock.Server.DefaultReply = FakeBedrockReply.InputTooLong();

        var (_, error) = await bedrock.StreamUntilFailureAsync();

        var exception = Assert.IsType<ModelException>(error);
        Assert.Equal(ModelErrorKind.InvalidRequest, exception.Kind);
        Assert.Contains("Input is too long for requested model.", exception.Message, StringComparison.Ordinal);
        Assert.Single(bedrock.Server.Requests);
    }

    [Fact]
    public async Task UnknownModel_SaysWhichModelIdAndWhereToCheckIt()
    {
        await using var bedrock = await BedrockHarness.StartAsync(new Dictionary<string, string?> { ["ModelId"] = "openai.gpt-oss-200b-9:9" });
        bedrock.Server.DefaultReply = FakeBedrockReply.ResourceNotFound();

        var (_, error) = await bedrock.StreamUntilFailureAsync();

        var exception = Assert.IsType<ModelException>(error);
        Assert.Equal(ModelErrorKind.AccessDenied, exception.Kind);
        Assert.Contains("no model 'openai.gpt-oss-200b-9:9' in us-east-1", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Llm:Bedrock:ModelId", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ErrorOfAnUnknownType_IsAFailureNamingTheType()
    {
        await using var bedrock = await BedrockHarness.StartAsync();
        bedrock.Server.DefaultReply = FakeBedrockReply.Error(409, "ConflictException", "Something odd.");

        var (_, error) = await bedrock.StreamUntilFailureAsync();

        var exception = Assert.IsType<ModelException>(error);
        Assert.Equal(ModelErrorKind.Failed, exception.Kind);
        Assert.Contains("ConflictException", exception.Message, StringComparison.Ordinal);
        Assert.Single(bedrock.Server.Requests);
    }

    [Fact]
    public async Task ValidationExceptionFrame_BeforeAnyText_IsAnInvalidRequest()
    {
        await using var bedrock = await BedrockHarness.StartAsync();
        bedrock.Server.Enqueue(FakeBedrockReply.Stream(FakeStreamStep.Exception("validationException", "The model returned an invalid tool use.")));

        var (text, error) = await bedrock.StreamUntilFailureAsync();

        Assert.Equal("", text);
        var exception = Assert.IsType<ModelException>(error);
        Assert.Equal(ModelErrorKind.InvalidRequest, exception.Kind);
        Assert.Contains("invalid tool use", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExceptionFrameMidStream_KeepsThePartialText_ThenThrowsWithoutRetrying()
    {
        await using var bedrock = await BedrockHarness.StartAsync();
        bedrock.Server.Enqueue(FakeBedrockReply.Stream(
            FakeStreamStep.Text("Par"),
            FakeStreamStep.Text("tial"),
            FakeStreamStep.Exception("modelStreamErrorException", "The model stream failed.")));

        var (text, error) = await bedrock.StreamUntilFailureAsync();

        Assert.Equal("Partial", text);
        var exception = Assert.IsType<ModelException>(error);
        Assert.Equal(ModelErrorKind.Unavailable, exception.Kind);
        Assert.NotNull(exception.RetryAfter);
        Assert.Single(bedrock.Server.Requests);
    }

    [Fact]
    public async Task ThrottlingExceptionFrameMidStream_IsThrottled()
    {
        await using var bedrock = await BedrockHarness.StartAsync();
        bedrock.Server.Enqueue(FakeBedrockReply.Stream(FakeStreamStep.Text("Hi"), FakeStreamStep.Exception("throttlingException", "Too many tokens.")));

        var (text, error) = await bedrock.StreamUntilFailureAsync();

        Assert.Equal("Hi", text);
        Assert.Equal(ModelErrorKind.Throttled, Assert.IsType<ModelException>(error).Kind);
    }

    [Fact]
    public async Task CorruptFrame_FailsInsteadOfYieldingGarbage()
    {
        await using var bedrock = await BedrockHarness.StartAsync();
        bedrock.Server.Enqueue(FakeBedrockReply.Stream(FakeStreamStep.Text("ok"), FakeStreamStep.CorruptText("bad")));

        var (text, error) = await bedrock.StreamUntilFailureAsync();

        Assert.Equal("ok", text);
        var exception = Assert.IsType<ModelException>(error);
        Assert.Equal(ModelErrorKind.Failed, exception.Kind);
        Assert.Contains("corrupt", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Converse_MapsHttpErrorsTheSameWay()
    {
        await using var bedrock = await BedrockHarness.StartAsync();
        bedrock.Server.DefaultReply = FakeBedrockReply.AccessDenied();

        var exception = await Assert.ThrowsAsync<ModelException>(() =>
            bedrock.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(ModelErrorKind.AccessDenied, exception.Kind);
    }
}
