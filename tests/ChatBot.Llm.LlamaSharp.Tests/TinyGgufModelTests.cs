using System.Text;
using ChatBot.TestKit;
using LLama;
using LLama.Common;
using LLama.Native;
using LLama.Sampling;

namespace ChatBot.Llm.LlamaSharp.Tests;

public sealed class TinyGgufModelTests(TinyModels models)
{
    [Theory]
    [InlineData("a")]
    [InlineData("hello m")]
    [InlineData("xy")]
    [InlineData("z")]
    [InlineData("The end.")]
    [InlineData("Assistant:")]
    [InlineData("<|im_start|>assistant\n")]
    [InlineData("Ünïcödé ")]
    public async Task GreedyDecoding_ContinuesFromTheLastCharacter_ExactlyAsExpectedContinuationSays(string prompt)
    {
        var model = await models.Plain.GetModelAsync(TestContext.Current.CancellationToken);

        var continuation = await GreedyContinuationAsync(model.Weights, prompt);

        Assert.Equal(TinyGgufModel.ExpectedContinuation(prompt[^1]), continuation);
    }

    [Fact]
    public void ExpectedContinuation_AfterA_IsTheRestOfTheAlphabetAndAFullStop() =>
        Assert.Equal("bcdefghijklmnopqrstuvwxyz.", TinyGgufModel.ExpectedContinuation('a'));

    [Fact]
    public async Task Tokenizer_MapsEachAsciiCharacterToOneToken()
    {
        var model = await models.Plain.GetModelAsync(TestContext.Current.CancellationToken);

        var tokens = model.Weights.Tokenize("User: hi", add_bos: true, special: true, Encoding.UTF8);

        // BOS, the SentencePiece space prefix, then one token per character.
        Assert.Equal(2 + "User: hi".Length, tokens.Length);
        Assert.Equal(TinyGgufModel.BosToken, (int)tokens[0]);
    }

    [Fact]
    public async Task Model_WithChatMlTemplate_ExposesIt_AndPlainModelHasNone()
    {
        var plain = await models.Plain.GetModelAsync(TestContext.Current.CancellationToken);
        var chatMl = await models.ChatMl.GetModelAsync(TestContext.Current.CancellationToken);

        Assert.Null(plain.ChatTemplate);
        Assert.Equal(TinyGgufModel.ChatMlTemplate, chatMl.ChatTemplate);
        Assert.Equal(TinyGgufModel.TrainedContextLength, plain.TrainedContextSize);
    }

    // Raw completion without any chat formatting, to pin down the model itself.
    private static async Task<string> GreedyContinuationAsync(LLamaWeights weights, string prompt)
    {
        using var context = weights.CreateContext(new ModelParams("") { ContextSize = 128, Threads = 1, BatchThreads = 1 });
        using var sampler = new GreedySamplingPipeline();
        var decoder = new StreamingTokenDecoder(context);
        var tokens = context.Tokenize(prompt, addBos: true, special: true).ToList();
        var batch = new LLamaBatch();
        var (_, _, position) = await context.DecodeAsync(tokens, LLamaSeqId.Zero, batch, 0);
        var text = new StringBuilder();
        for (var i = 0; i < 64; i++)
        {
            var token = sampler.Sample(context.NativeHandle, batch.TokenCount - 1);
            if (token.IsEndOfGeneration(weights.Vocab))
            {
                return text.ToString();
            }

            decoder.Add(token);
            text.Append(decoder.Read());
            batch.Clear();
            batch.Add(token, position++, LLamaSeqId.Zero, logits: true);
            await context.DecodeAsync(batch);
        }
        throw new InvalidOperationException($"No end of sequence after 64 tokens: '{text}'");
    }
}
