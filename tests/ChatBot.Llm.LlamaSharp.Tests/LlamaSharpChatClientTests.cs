using System.Diagnostics;
using ChatBot.Llm.LlamaSharp;
using PromptTooLongException = ChatBot.Core.PromptTooLongException;
using ChatBot.TestKit;
using Microsoft.Extensions.AI;

namespace ChatBot.Llm.LlamaSharp.Tests;

public sealed class LlamaSharpChatClientTests(TinyModels models)
{
    private static readonly string Alphabet = TinyGgufModel.ExpectedChatAnswer;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GetResponse_OnTinyModel_AnswersTheWholeAlphabetAndStops()
    {
        using var client = models.PlainClient();

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hello")], new ChatOptions { Temperature = 0 }, Ct);

        Assert.Equal("abcdefghijklmnopqrstuvwxyz.", response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Single(response.Messages);
        Assert.Equal(ChatRole.Assistant, response.Messages[0].Role);
    }

    [Fact]
    public async Task GetStreamingResponse_YieldsTokenByTokenUpdates_WhoseTextEqualsTheNonStreamingAnswer()
    {
        using var client = models.PlainClient();
        List<ChatMessage> messages = [new(ChatRole.User, "Hello")];

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(messages, cancellationToken: Ct))
        {
            updates.Add(update);
        }

        var response = await client.GetResponseAsync(messages, cancellationToken: Ct);

        var textUpdates = updates.Where(u => u.Text.Length > 0).ToList();
        Assert.Equal(Alphabet.Length, textUpdates.Count);
        Assert.Equal(response.Text, string.Concat(textUpdates.Select(u => u.Text)));
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
        Assert.Single(updates.Select(u => u.ResponseId).Distinct());
    }

    [Fact]
    public async Task GetResponse_ReportsPromptAndAnswerTokenCounts()
    {
        using var client = models.PlainClient();

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hello")], cancellationToken: Ct);

        // The tiny model spends one token per character, plus BOS and the SentencePiece space prefix.
        Assert.NotNull(response.Usage);
        Assert.Equal(2 + "User: Hello\nAssistant:".Length, response.Usage.InputTokenCount);
        Assert.Equal(Alphabet.Length, response.Usage.OutputTokenCount);
        Assert.Equal(response.Usage.InputTokenCount + response.Usage.OutputTokenCount, response.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task GetStreamingResponse_LastUpdate_CarriesUsage()
    {
        using var client = models.PlainClient();

        ChatResponseUpdate? last = null;
        await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hi")], cancellationToken: Ct))
        {
            last = update;
        }

        var usage = Assert.Single(last!.Contents.OfType<UsageContent>());
        Assert.Equal(Alphabet.Length, usage.Details.OutputTokenCount);
    }

    [Fact]
    public async Task GetResponse_WithMaxOutputTokens_StopsThereWithFinishReasonLength()
    {
        using var client = models.PlainClient();

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hello")], new ChatOptions { MaxOutputTokens = 5 }, Ct);

        Assert.Equal("abcde", response.Text);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(5, response.Usage!.OutputTokenCount);
    }

    [Fact]
    public async Task GetResponse_WithStopSequence_EndsJustBeforeIt()
    {
        using var client = models.PlainClient();

        var response = await client.GetResponseAsync(
            [new ChatMessage(ChatRole.User, "Hello")], new ChatOptions { StopSequences = ["xyz", "fgh"] }, Ct);

        Assert.Equal("abcde", response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
    }

    [Fact]
    public async Task GetResponse_WithSamplingTemperature_StillFollowsTheAlphabet()
    {
        using var client = models.PlainClient();

        var response = await client.GetResponseAsync(
            [new ChatMessage(ChatRole.User, "Hello")], new ChatOptions { Temperature = 1.0f, TopP = 1f, Seed = 42 }, Ct);

        Assert.Equal(Alphabet, response.Text);
    }

    [Fact]
    public async Task GetResponse_OnModelWithChatTemplate_FormatsWithItAndAnswers()
    {
        using var client = models.ChatMlClient();

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hello")], cancellationToken: Ct);

        Assert.Equal(Alphabet, response.Text);
        var prompt = "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n";
        Assert.Equal(2 + prompt.Length, response.Usage!.InputTokenCount);
    }

    [Fact]
    public async Task GetResponse_WithLongHistory_DropsOldMessagesToFitAndStillAnswers()
    {
        // 128 tokens of context, 32 of them kept for the answer: the history below is several times that.
        using var client = models.PlainClient(o => { o.ContextSize = 128; });
        var history = Enumerable.Range(0, 10)
            .Select(i => new ChatMessage(i % 2 == 0 ? ChatRole.User : ChatRole.Assistant, $"message {i} {new string('x', 30)}"))
            .Append(new ChatMessage(ChatRole.User, "Newest question"))
            .Prepend(new ChatMessage(ChatRole.System, "Be brief"))
            .ToList();

        var response = await client.GetResponseAsync(history, cancellationToken: Ct);

        Assert.Equal(Alphabet, response.Text);
        Assert.InRange(response.Usage!.InputTokenCount!.Value, 1, 128 - 32);
    }

    [Fact]
    public async Task GetResponse_WhenNewestMessageAloneIsTooLong_ThrowsPromptTooLongNamingTheSetting()
    {
        using var client = models.PlainClient(o => { o.ContextSize = 128; });

        var error = await Assert.ThrowsAsync<PromptTooLongException>(() =>
            client.GetResponseAsync([new ChatMessage(ChatRole.User, new string('x', 200))], cancellationToken: Ct));

        Assert.Contains("Llm:LlamaSharp:ContextSize", error.Message);
    }

    [Fact]
    public async Task PromptFitCheck_CountsTokensWithoutAnswering_AndNamesBothNumbers()
    {
        using var client = models.PlainClient(o => { o.ContextSize = 128; });
        var check = ((IChatClient)client).GetService<ChatBot.Core.IPromptFitCheck>();

        Assert.NotNull(check);
        await check.EnsureFitsAsync([new ChatMessage(ChatRole.User, "short")], null, Ct);
        var error = await Assert.ThrowsAsync<PromptTooLongException>(async () =>
            await check.EnsureFitsAsync([new ChatMessage(ChatRole.User, new string('x', 200))], null, Ct));
        Assert.Equal(128 - 32, error.AvailableTokens);
        Assert.True(error.NeededTokens > error.AvailableTokens);
        Assert.Contains($"need {error.NeededTokens} tokens, but only 96 fit", error.Message);
    }

    [Fact]
    public async Task GetResponse_WithCancelledToken_ThrowsOperationCanceled()
    {
        using var client = models.PlainClient();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hello")], cancellationToken: new CancellationToken(canceled: true)));
    }

    [Fact]
    public async Task GetStreamingResponse_WhenCancelledMidAnswer_StopsPromptlyWithOperationCanceled()
    {
        using var client = models.PlainClient();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var received = new List<string>();

        var error = await Record.ExceptionAsync(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hello")], cancellationToken: cts.Token))
            {
                received.Add(update.Text);
                if (received.Count == 3)
                {
                    await cts.CancelAsync();
                }
            }
        });

        Assert.IsAssignableFrom<OperationCanceledException>(error);
        Assert.Equal(["a", "b", "c"], received);
    }

    [Fact]
    public async Task GetStreamingResponse_WhileWaitingForABusySlot_CanBeCancelled()
    {
        using var client = models.PlainClient(o => o.MaxConcurrentRequests = 1);
        await using var busy = client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hello")], cancellationToken: Ct).GetAsyncEnumerator(Ct);
        Assert.True(await busy.MoveNextAsync()); // holds the only slot, paused mid-answer
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        var stopwatch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hello")], cancellationToken: cts.Token));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"Cancellation took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task GetResponse_AfterAnAbandonedStream_TheSlotIsFreeAgain()
    {
        using var client = models.PlainClient(o => o.MaxConcurrentRequests = 1);
        await foreach (var _ in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hello")], cancellationToken: Ct))
        {
            break;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hello")], cancellationToken: timeout.Token);

        Assert.Equal(Alphabet, response.Text);
    }

    [Fact]
    public async Task GetResponse_ConcurrentRequests_EachGetTheFullAnswer()
    {
        using var client = models.PlainClient(o => o.MaxConcurrentRequests = 2);

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            client.GetResponseAsync([new ChatMessage(ChatRole.User, $"Question {i}")], cancellationToken: Ct)));

        Assert.All(responses, r => Assert.Equal(Alphabet, r.Text));
    }

    [Fact]
    public void GetService_ReturnsMetadataNamingProviderAndModel()
    {
        using var client = models.PlainClient();

        var metadata = client.GetService<ChatClientMetadata>();

        Assert.NotNull(metadata);
        Assert.Equal("llamasharp", metadata.ProviderName);
        Assert.Equal("tiny-plain", metadata.DefaultModelId);
    }
}
