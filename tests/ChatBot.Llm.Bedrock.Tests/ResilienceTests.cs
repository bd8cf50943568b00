using System.Diagnostics;
using ChatBot.Core;
using ChatBot.TestKit.Bedrock;
using Microsoft.Extensions.AI;

namespace ChatBot.Llm.Bedrock.Tests;

public sealed class ResilienceTests
{
    [Theory]
    [InlineData(429, "ThrottlingException")]
    [InlineData(503, "ServiceUnavailableException")]
    [InlineData(500, "InternalServerException")]
    public async Task TransientError_IsRetried_ThenTheAnswerStreams(int status, string errorType)
    {
        await using var bedrock = await BedrockHarness.StartAsync();
        bedrock.Server.Enqueue(FakeBedrockReply.Error(status, errorType, "Try again."), FakeBedrockReply.Error(status, errorType, "Try again."));

        var updates = await bedrock.StreamAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("Hello from Bedrock.", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(3, bedrock.Server.Requests.Count);
        bedrock.AssertEveryRequestWouldPassAws();
    }

    [Fact]
    public async Task Throttling_ThatOutlastsTheRetries_BecomesThrottledWithRetryAfter()
    {
        await using var bedrock = await BedrockHarness.StartAsync(new Dictionary<string, string?> { ["MaxRetries"] = "2" });
        bedrock.Server.DefaultReply = FakeBedrockReply.Throttling();

        var (_, error) = await bedrock.StreamUntilFailureAsync();

        var exception = Assert.IsType<ModelException>(error);
        Assert.Equal(ModelErrorKind.Throttled, exception.Kind);
        Assert.True(exception.RetryAfter >= TimeSpan.FromSeconds(1));
        Assert.Contains("throttling", exception.Message, StringComparison.Ordinal);
        Assert.Contains("'openai.gpt-oss-20b-1:0' in us-east-1", exception.Message, StringComparison.Ordinal);
        Assert.Equal(3, bedrock.Server.Requests.Count);
    }

    [Fact]
    public async Task ServiceUnavailable_ThatOutlastsTheRetries_BecomesUnavailableWithRetryAfter()
    {
        await using var bedrock = await BedrockHarness.StartAsync(new Dictionary<string, string?> { ["MaxRetries"] = "1" });
        bedrock.Server.DefaultReply = FakeBedrockReply.ServiceUnavailable();

        var (_, error) = await bedrock.StreamUntilFailureAsync();

        var exception = Assert.IsType<ModelException>(error);
        Assert.Equal(ModelErrorKind.Unavailable, exception.Kind);
        Assert.NotNull(exception.RetryAfter);
        Assert.Equal(2, bedrock.Server.Requests.Count);
    }

    [Fact]
    public async Task Retries_StopWhenTheRetryBudgetIsSpent()
    {
        await using var bedrock = await BedrockHarness.StartAsync(new Dictionary<string, string?>
        {
            ["MaxRetries"] = "10",
            ["RetryBaseDelay"] = "00:00:00.200",
            ["RetryBudget"] = "00:00:00.500",
        });
        bedrock.Server.DefaultReply = FakeBedrockReply.Throttling();
        var clock = Stopwatch.StartNew();

        var (_, error) = await bedrock.StreamUntilFailureAsync();

        Assert.Equal(ModelErrorKind.Throttled, Assert.IsType<ModelException>(error).Kind);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"Retrying took {clock.Elapsed}.");
        Assert.InRange(bedrock.Server.Requests.Count, 2, 10);
    }

    [Fact]
    public async Task ZeroRetryBudget_FailsOnTheFirstThrottle()
    {
        await using var bedrock = await BedrockHarness.StartAsync(new Dictionary<string, string?> { ["RetryBudget"] = "00:00:00" });
        bedrock.Server.DefaultReply = FakeBedrockReply.Throttling();

        var (_, error) = await bedrock.StreamUntilFailureAsync();

        Assert.Equal(ModelErrorKind.Throttled, Assert.IsType<ModelException>(error).Kind);
        Assert.Single(bedrock.Server.Requests);
    }

    [Fact]
    public async Task ThrottlingFrame_BeforeAnyText_IsRetried()
    {
        await using var bedrock = await BedrockHarness.StartAsync();
        bedrock.Server.Enqueue(FakeBedrockReply.Stream(FakeStreamStep.Exception("throttlingException", "Slow down.")));

        var updates = await bedrock.StreamAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("Hello from Bedrock.", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(2, bedrock.Server.Requests.Count);
    }

    [Fact]
    public async Task ConnectionDrop_BeforeTheResponse_IsRetried()
    {
        await using var bedrock = await BedrockHarness.StartAsync();
        bedrock.Server.Enqueue(FakeBedrockReply.DropConnection());

        var updates = await bedrock.StreamAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("Hello from Bedrock.", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(2, bedrock.Server.Requests.Count);
    }

    [Fact]
    public async Task ConnectionDrop_MidStream_KeepsThePartialText_ThenFailsAsUnavailable()
    {
        await using var bedrock = await BedrockHarness.StartAsync();
        bedrock.Server.Enqueue(FakeBedrockReply.Stream(FakeStreamStep.Text("Half an "), FakeStreamStep.Pause(TimeSpan.FromMilliseconds(50)), FakeStreamStep.Drop()));

        var (text, error) = await bedrock.StreamUntilFailureAsync();

        Assert.Equal("Half an ", text);
        var exception = Assert.IsType<ModelException>(error);
        Assert.Equal(ModelErrorKind.Unavailable, exception.Kind);
        Assert.Single(bedrock.Server.Requests);
    }

    [Fact]
    public async Task StreamThatEndsBeforeMessageStop_IsReportedAsCutShort()
    {
        await using var bedrock = await BedrockHarness.StartAsync();
        bedrock.Server.Enqueue(FakeBedrockReply.Stream(FakeStreamStep.Text("Cut")));

        var (text, error) = await bedrock.StreamUntilFailureAsync();

        Assert.Equal("Cut", text);
        var exception = Assert.IsType<ModelException>(error);
        Assert.Equal(ModelErrorKind.Unavailable, exception.Kind);
        Assert.Contains("before the model finished", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SlowFirstByte_WithinTheResponseTimeout_StillAnswers()
    {
        await using var bedrock = await BedrockHarness.StartAsync();
        bedrock.Server.Enqueue(FakeBedrockReply.Delayed(TimeSpan.FromMilliseconds(400), FakeBedrockReply.Answer("Late", " but fine")));

        var updates = await bedrock.StreamAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("Late but fine", string.Concat(updates.Select(u => u.Text)));
        Assert.Single(bedrock.Server.Requests);
    }

    [Fact]
    public async Task SlowFirstByte_BeyondTheResponseTimeout_IsRetried_ThenUnavailable()
    {
        await using var bedrock = await BedrockHarness.StartAsync(new Dictionary<string, string?>
        {
            ["ResponseTimeout"] = "00:00:00.300",
            ["MaxRetries"] = "1",
        });
        bedrock.Server.DefaultReply = FakeBedrockReply.Delayed(TimeSpan.FromSeconds(20), FakeBedrockReply.Answer("Too late"));
        var clock = Stopwatch.StartNew();

        var (_, error) = await bedrock.StreamUntilFailureAsync();

        var exception = Assert.IsType<ModelException>(error);
        Assert.Equal(ModelErrorKind.Unavailable, exception.Kind);
        Assert.Contains("did not start answering", exception.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"Took {clock.Elapsed}.");
        Assert.Equal(2, bedrock.Server.Requests.Count);
        foreach (var request in bedrock.Server.Requests)
        {
            Assert.True(await request.ClientAborted.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        }
    }

    [Fact]
    public async Task StreamThatStallsAfterText_FailsAfterTheResponseTimeout()
    {
        // No retries, and a timeout a busy test machine cannot reach before the first text: a slow start must not be
        // retried into the fake's default answer.
        await using var bedrock = await BedrockHarness.StartAsync(new Dictionary<string, string?>
        {
            ["ResponseTimeout"] = "00:00:01.500",
            ["MaxRetries"] = "0",
        });
        bedrock.Server.Enqueue(FakeBedrockReply.Stream(FakeStreamStep.Text("Then "), FakeStreamStep.Pause(TimeSpan.FromSeconds(20))));

        var (text, error) = await bedrock.StreamUntilFailureAsync();

        Assert.Equal("Then ", text);
        var exception = Assert.IsType<ModelException>(error);
        Assert.Equal(ModelErrorKind.Unavailable, exception.Kind);
        Assert.Contains("sent nothing", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_MidStream_AbortsTheCallPromptly_AndBedrockSeesTheConnectionClose()
    {
        await using var bedrock = await BedrockHarness.StartAsync();
        bedrock.Server.Enqueue(FakeBedrockReply.Stream(FakeStreamStep.Text("First words"), FakeStreamStep.Pause(TimeSpan.FromSeconds(30)), FakeStreamStep.Text("never sent")));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var received = "";
        var clock = new Stopwatch();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in bedrock.Client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hi")], cancellationToken: stop.Token))
            {
                received += update.Text;
                if (received.Length > 0 && !clock.IsRunning)
                {
                    clock.Start();
                    await stop.CancelAsync();
                }
            }
        });

        Assert.Equal("First words", received);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"Stopping took {clock.Elapsed}.");
        var request = Assert.Single(bedrock.Server.Requests);
        Assert.True(await request.ClientAborted.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Cancellation_BeforeTheFirstByte_AbortsTheCallPromptly()
    {
        await using var bedrock = await BedrockHarness.StartAsync();
        bedrock.Server.Enqueue(FakeBedrockReply.Delayed(TimeSpan.FromSeconds(30), FakeBedrockReply.Answer("never")));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        stop.CancelAfter(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => bedrock.StreamAsync(cancellationToken: stop.Token));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"Stopping took {clock.Elapsed}.");
        var request = Assert.Single(bedrock.Server.Requests);
        Assert.True(await request.ClientAborted.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Cancellation_DuringBackoff_StopsRetrying()
    {
        await using var bedrock = await BedrockHarness.StartAsync(new Dictionary<string, string?>
        {
            ["RetryBaseDelay"] = "00:00:05",
            ["RetryBudget"] = "00:01:00",
        });
        bedrock.Server.DefaultReply = FakeBedrockReply.Throttling();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        stop.CancelAfter(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => bedrock.StreamAsync(cancellationToken: stop.Token));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"Stopping took {clock.Elapsed}.");
    }
}
