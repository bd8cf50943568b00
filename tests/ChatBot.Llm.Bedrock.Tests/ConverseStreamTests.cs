using ChatBot.TestKit.Bedrock;
using Microsoft.Extensions.AI;

namespace ChatBot.Llm.Bedrock.Tests;

public sealed class ConverseStreamTests
{
    [Fact]
    public async Task StreamingAnswer_YieldsTextDeltasInOrder_WithUsageAndFinishReason()
    {
        await using var bedrock = await BedrockHarness.StartAsync();
        bedrock.Server.Enqueue(FakeBedrockReply.Answer(["Hel", "lo", " world"], inputTokens: 42, outputTokens: 3));

        var updates = await bedrock.StreamAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(["Hel", "lo", " world"], updates.Where(u => u.Text.Length > 0).Select(u => u.Text));
        var usage = Assert.Single(updates.SelectMany(u => u.Contents).OfType<UsageContent>()).Details;
        Assert.Equal(42, usage.InputTokenCount);
        Assert.Equal(3, usage.OutputTokenCount);
        Assert.Equal(45, usage.TotalTokenCount);
        Assert.Equal(ChatFinishReason.Stop, Assert.Single(updates, u => u.FinishReason is not null).FinishReason);
        Assert.Contains(updates, u => u.AdditionalProperties?.ContainsKey("bedrock.latencyMs") == true);
        Assert.All(updates, u => Assert.Equal(BedrockHarness.DefaultModelId, u.ModelId));
        bedrock.AssertEveryRequestWouldPassAws();
    }

    [Fact]
    public async Task Request_IsSignedWithSigV4ForBedrock_AndVerifiesAgainstTheTestCredentials()
    {
        await using var bedrock = await BedrockHarness.StartAsync();

        await bedrock.StreamAsync(cancellationToken: TestContext.Current.CancellationToken);

        var request = Assert.Single(bedrock.Server.Requests);
        Assert.True(request.Signature.Verified, string.Join('\n', request.Signature.Problems));
        Assert.Equal(FakeBedrockServer.TestCredentials.AccessKeyId, request.Signature.AccessKeyId);
        Assert.Contains("x-amz-security-token", request.Signature.CanonicalRequest, StringComparison.Ordinal);
        Assert.Contains("x-amz-date:", request.Signature.CanonicalRequest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelIdWithColon_IsEscapedOnceInThePath_AndTwiceInTheCanonicalRequest()
    {
        await using var bedrock = await BedrockHarness.StartAsync();

        await bedrock.StreamAsync(cancellationToken: TestContext.Current.CancellationToken);

        var request = Assert.Single(bedrock.Server.Requests);
        Assert.Equal("/model/openai.gpt-oss-20b-1%3A0/converse-stream", request.RawTarget);
        Assert.Equal(BedrockHarness.DefaultModelId, request.ModelId);
        Assert.Equal("/model/openai.gpt-oss-20b-1%253A0/converse-stream", request.Signature.CanonicalRequest!.Split('\n')[1]);
        Assert.True(request.Signature.Verified, string.Join('\n', request.Signature.Problems));
    }

    [Theory]
    [InlineData("us.meta.llama3-3-70b-instruct-v1:0")]
    [InlineData("qwen.qwen3-32b-v1:0")]
    [InlineData("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.deepseek.r1-v1:0")]
    public async Task OtherModelIds_AndInferenceProfileArns_AreSentAsOneSignedPathSegment(string modelId)
    {
        await using var bedrock = await BedrockHarness.StartAsync(new Dictionary<string, string?> { ["ModelId"] = modelId });

        await bedrock.StreamAsync(cancellationToken: TestContext.Current.CancellationToken);

        var request = Assert.Single(bedrock.Server.Requests);
        Assert.Equal(modelId, request.ModelId);
        Assert.Equal($"/model/{Uri.EscapeDataString(modelId)}/converse-stream", request.RawTarget);
        bedrock.AssertEveryRequestWouldPassAws();
    }

    [Fact]
    public async Task RequestBody_HasTheConverseShape_WithSystemPromptAndInferenceConfig()
    {
        await using var bedrock = await BedrockHarness.StartAsync();
        ChatMessage[] prompt =
        [
            new(ChatRole.System, "Be brief."),
            new(ChatRole.User, "What is 2+2?"),
            new(ChatRole.Assistant, "4"),
            new(ChatRole.User, "And 3+3?"),
        ];
        var options = new ChatOptions { MaxOutputTokens = 256, Temperature = 0.25f, TopP = 0.5f, StopSequences = ["END"] };

        await foreach (var _ in bedrock.Client.GetStreamingResponseAsync(prompt, options, TestContext.Current.CancellationToken))
        {
        }

        var body = Assert.Single(bedrock.Server.Requests).Json();
        Assert.Equal("Be brief.", body.GetProperty("system")[0].GetProperty("text").GetString());
        var messages = body.GetProperty("messages");
        Assert.Equal(["user", "assistant", "user"], messages.EnumerateArray().Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("And 3+3?", messages[2].GetProperty("content")[0].GetProperty("text").GetString());
        var inference = body.GetProperty("inferenceConfig");
        Assert.Equal(256, inference.GetProperty("maxTokens").GetInt32());
        Assert.Equal(0.25, inference.GetProperty("temperature").GetDouble(), 3);
        Assert.Equal(0.5, inference.GetProperty("topP").GetDouble(), 3);
        Assert.Equal("END", inference.GetProperty("stopSequences")[0].GetString());
        bedrock.AssertEveryRequestWouldPassAws();
    }

    [Fact]
    public async Task History_ThatRepeatsARoleOrStartsWithAnAnswer_IsReshapedToAlternateAsConverseRequires()
    {
        await using var bedrock = await BedrockHarness.StartAsync();
        ChatMessage[] prompt =
        [
            new(ChatRole.Assistant, "An answer whose question was trimmed away"),
            new(ChatRole.User, "First question"),
            new(ChatRole.Assistant, ""),
            new(ChatRole.User, "Asked again after a failure"),
            new(ChatRole.Assistant, "An answer"),
            new(ChatRole.User, "Last question"),
        ];

        await foreach (var _ in bedrock.Client.GetStreamingResponseAsync(prompt, cancellationToken: TestContext.Current.CancellationToken))
        {
        }

        var messages = Assert.Single(bedrock.Server.Requests).Json().GetProperty("messages");
        Assert.Equal(["user", "assistant", "user"], messages.EnumerateArray().Select(m => m.GetProperty("role").GetString()));
        Assert.Equal(
            ["First question", "Asked again after a failure"],
            messages[0].GetProperty("content").EnumerateArray().Select(c => c.GetProperty("text").GetString()));
        bedrock.AssertEveryRequestWouldPassAws();
    }

    [Fact]
    public async Task Temperature_AboveTheConverseRange_IsClampedToOne()
    {
        await using var bedrock = await BedrockHarness.StartAsync();

        await bedrock.StreamAsync(options: new ChatOptions { Temperature = 1.6f }, cancellationToken: TestContext.Current.CancellationToken);

        var body = Assert.Single(bedrock.Server.Requests).Json();
        Assert.Equal(1.0, body.GetProperty("inferenceConfig").GetProperty("temperature").GetDouble());
        bedrock.AssertEveryRequestWouldPassAws();
    }

    [Fact]
    public async Task ReasoningDeltas_AreSurfacedAsReasoningContent_AndNeverAsAnswerText()
    {
        await using var bedrock = await BedrockHarness.StartAsync();
        bedrock.Server.Enqueue(FakeBedrockReply.AnswerWithReasoning(["The user greets. ", "Greet back."], ["Hi", "!"]));

        var updates = await bedrock.StreamAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("Hi!", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(
            "The user greets. Greet back.",
            string.Concat(updates.SelectMany(u => u.Contents).OfType<TextReasoningContent>().Select(r => r.Text)));
    }

    [Fact]
    public async Task UnknownEventTypes_AreSkipped()
    {
        await using var bedrock = await BedrockHarness.StartAsync();
        bedrock.Server.Enqueue(FakeBedrockReply.Stream(
            FakeStreamStep.Text("Still "),
            FakeStreamStep.UnknownEvent("someFutureEvent"),
            FakeStreamStep.Text("fine"),
            FakeStreamStep.Stop(),
            FakeStreamStep.Metadata(5, 2)));

        var updates = await bedrock.StreamAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("Still fine", string.Concat(updates.Select(u => u.Text)));
    }

    [Theory]
    [InlineData("max_tokens", "length")]
    [InlineData("stop_sequence", "stop")]
    [InlineData("guardrail_intervened", "content_filter")]
    public async Task StopReason_MapsToTheMatchingFinishReason(string stopReason, string finishReason)
    {
        await using var bedrock = await BedrockHarness.StartAsync();
        bedrock.Server.Enqueue(FakeBedrockReply.Answer(["cut"], 3, 1, stopReason));

        var updates = await bedrock.StreamAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(new ChatFinishReason(finishReason), Assert.Single(updates, u => u.FinishReason is not null).FinishReason);
    }

    [Fact]
    public async Task Converse_ReturnsTheWholeAnswer_WithUsage_AndReasoningKeptApart()
    {
        await using var bedrock = await BedrockHarness.StartAsync();
        bedrock.Server.Enqueue(FakeBedrockReply.AnswerWithReasoning(["Thinking."], ["Hello", " there"]));

        var response = await bedrock.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("Hello there", response.Text);
        Assert.Equal("Thinking.", Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<TextReasoningContent>()).Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(11, response.Usage?.InputTokenCount);
        Assert.Equal(3, response.Usage?.OutputTokenCount);
        var request = Assert.Single(bedrock.Server.Requests);
        Assert.Equal("/model/openai.gpt-oss-20b-1%3A0/converse", request.RawTarget);
        bedrock.AssertEveryRequestWouldPassAws();
    }

    [Fact]
    public async Task Metadata_DescribesTheProviderAndDefaultModel()
    {
        await using var bedrock = await BedrockHarness.StartAsync();

        var metadata = bedrock.Client.GetService<ChatClientMetadata>();

        Assert.Equal("aws.bedrock", metadata?.ProviderName);
        Assert.Equal(BedrockHarness.DefaultModelId, metadata?.DefaultModelId);
        Assert.Equal(bedrock.Server.Endpoint, metadata?.ProviderUri);
    }
}
