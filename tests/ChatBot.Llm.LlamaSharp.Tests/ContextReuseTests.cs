using ChatBot.Core;
using ChatBot.TestKit;
using Microsoft.Extensions.AI;

namespace ChatBot.Llm.LlamaSharp.Tests;

// A finished answer leaves its context, with the prompt's KV state, for the next answer of the same user. Each test has a
// loader of its own, so no other test's answers take or leave contexts in its model's pool.
public sealed class ContextReuseTests(TinyModels models)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly List<ChatMessage> FirstTurn = [new(ChatRole.User, "Hello")];

    private static readonly List<ChatMessage> SecondTurn =
        [new(ChatRole.User, "Hello"), new(ChatRole.Assistant, TinyGgufModel.ExpectedChatAnswer), new(ChatRole.User, "Again")];

    [Fact]
    public async Task NextTurnOfTheSameUser_StartsFromTheStateTheLastAnswerLeft()
    {
        using var loader = new LlamaModelLoader(models.PlainPath);
        using var client = new LlamaSharpChatClient(loader, TinyModels.Options());
        var model = await loader.GetModelAsync(Ct);

        await client.GetResponseAsync(FirstTurn, Scoped("alice"), Ct);
        var next = Prompt(model, SecondTurn);
        var context = model.Rent(512, 1, "alice", next);

        // The earlier question is the start of the next prompt, so its state is kept; the rest is decoded anew.
        var first = Prompt(model, FirstTurn);
        Assert.InRange(context.Tokens.Count, first.Length, next.Length - 1);
        Assert.Equal(next[..context.Tokens.Count], context.Tokens);
        model.Return(context, reusable: true);
    }

    [Fact]
    public async Task AnotherUsersPrompt_StartsFromNothing()
    {
        using var loader = new LlamaModelLoader(models.PlainPath);
        using var client = new LlamaSharpChatClient(loader, TinyModels.Options());
        var model = await loader.GetModelAsync(Ct);

        await client.GetResponseAsync(FirstTurn, Scoped("alice"), Ct);
        var context = model.Rent(512, 1, "bob", Prompt(model, SecondTurn));

        Assert.Empty(context.Tokens);
        Assert.Equal(-1, context.Context.NativeHandle.MemorySequenceMaxPosition(LLama.Native.LLamaSeqId.Zero));
        model.Return(context, reusable: true);
    }

    [Fact]
    public async Task AnswersFromAKeptState_AreTheSameAsFromAFreshContext()
    {
        using var loader = new LlamaModelLoader(models.PlainPath);
        using var client = new LlamaSharpChatClient(loader, TinyModels.Options(o => o.MaxConcurrentRequests = 1));

        var fresh = await client.GetResponseAsync(SecondTurn, Scoped("carol"), Ct);
        var kept = await client.GetResponseAsync(SecondTurn, Scoped("carol"), Ct);
        var afterFirstTurn = await client.GetResponseAsync(FirstTurn, Scoped("carol"), Ct);

        Assert.Equal(TinyGgufModel.ExpectedChatAnswer, fresh.Text);
        Assert.Equal(fresh.Text, kept.Text);
        Assert.Equal(fresh.Usage?.InputTokenCount, kept.Usage?.InputTokenCount);
        Assert.Equal(TinyGgufModel.ExpectedChatAnswer, afterFirstTurn.Text);
    }

    [Fact]
    public async Task StoppedAnswer_LeavesNoContextBehind()
    {
        using var loader = new LlamaModelLoader(models.PlainPath);
        using var client = new LlamaSharpChatClient(loader, TinyModels.Options());
        var model = await loader.GetModelAsync(Ct);

        await foreach (var _ in client.GetStreamingResponseAsync(FirstTurn, Scoped("dave"), Ct))
        {
            break;
        }

        // The stopped answer's context was freed (its state is unknown), so this one is new and holds nothing.
        var context = model.Rent(512, 1, "dave", Prompt(model, FirstTurn));
        Assert.Empty(context.Tokens);
        model.Return(context, reusable: false);
    }

    private static ChatOptions Scoped(string user) => new ChatOptions { Temperature = 0 }.WithPromptScope(user);

    private static LLama.Native.LLamaToken[] Prompt(LlamaModel model, List<ChatMessage> messages) =>
        new ChatPromptBuilder(model).Build(messages, instructions: null, maxPromptTokens: 400).Tokens;
}
