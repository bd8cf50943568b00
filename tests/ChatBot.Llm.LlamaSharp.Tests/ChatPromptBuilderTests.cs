using ChatBot.Llm.LlamaSharp;
using PromptTooLongException = ChatBot.Core.PromptTooLongException;
using FsCheck;
using FsCheck.Xunit;
using Microsoft.Extensions.AI;

namespace ChatBot.Llm.LlamaSharp.Tests;

public sealed class ChatPromptBuilderTests(TinyModels models)
{
    private static readonly ChatMessage[] Conversation =
    [
        new(ChatRole.System, "Be brief."),
        new(ChatRole.User, "hi"),
        new(ChatRole.Assistant, "hello"),
        new(ChatRole.User, "again"),
    ];

    [Fact]
    public async Task Build_ForModelWithoutTemplate_WritesAPlainTranscriptEndingWithTheAssistantCue()
    {
        var builder = new ChatPromptBuilder(await models.Plain.GetModelAsync(TestContext.Current.CancellationToken));

        var prompt = builder.Build(Conversation, instructions: null, maxPromptTokens: 1000);

        Assert.Equal("System: Be brief.\nUser: hi\nAssistant: hello\nUser: again\nAssistant:", prompt.Text);
        Assert.False(prompt.UsesChatTemplate);
        Assert.Equal(2 + prompt.Text.Length, prompt.Tokens.Length);
    }

    [Fact]
    public async Task Build_ForModelWithChatMlTemplate_FormatsWithTheTemplate()
    {
        var builder = new ChatPromptBuilder(await models.ChatMl.GetModelAsync(TestContext.Current.CancellationToken));

        var prompt = builder.Build(Conversation, instructions: null, maxPromptTokens: 1000);

        Assert.Equal(
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\nhello<|im_end|>\n" +
            "<|im_start|>user\nagain<|im_end|>\n<|im_start|>assistant\n",
            prompt.Text);
        Assert.True(prompt.UsesChatTemplate);
    }

    [Fact]
    public async Task Build_MergesSystemMessagesAndRequestInstructionsIntoOneSystemTurn()
    {
        var builder = new ChatPromptBuilder(await models.Plain.GetModelAsync(TestContext.Current.CancellationToken));

        var prompt = builder.Build([new(ChatRole.System, "Rule one."), new(ChatRole.User, "hi"), new(ChatRole.System, "Rule two.")], "Rule three.", 1000);

        Assert.Equal("System: Rule one.\n\nRule two.\n\nRule three.\nUser: hi\nAssistant:", prompt.Text);
    }

    [Fact]
    public async Task Build_OverBudget_DropsTheOldestWholeMessagesAndKeepsSystemAndNewest()
    {
        var builder = new ChatPromptBuilder(await models.Plain.GetModelAsync(TestContext.Current.CancellationToken));
        ChatMessage[] messages =
        [
            new(ChatRole.System, "Be brief."),
            new(ChatRole.User, "first question"),
            new(ChatRole.Assistant, "first answer"),
            new(ChatRole.User, "second question"),
            new(ChatRole.Assistant, "second answer"),
            new(ChatRole.User, "newest question"),
        ];
        const string kept = "System: Be brief.\nUser: second question\nAssistant: second answer\nUser: newest question\nAssistant:";

        var prompt = builder.Build(messages, instructions: null, maxPromptTokens: 2 + kept.Length);

        Assert.Equal(kept, prompt.Text);
        Assert.Equal(2, prompt.DroppedMessages);
    }

    [Fact]
    public async Task Build_NeverStartsTheKeptHistoryWithAnAssistantMessage()
    {
        var builder = new ChatPromptBuilder(await models.Plain.GetModelAsync(TestContext.Current.CancellationToken));
        ChatMessage[] messages = [new(ChatRole.User, "a long first question"), new(ChatRole.Assistant, "ok"), new(ChatRole.User, "next")];

        // Room for "Assistant: ok" and the newest message, but not for the first question.
        var prompt = builder.Build(messages, instructions: null, maxPromptTokens: 2 + "Assistant: ok\nUser: next\nAssistant:".Length);

        Assert.Equal("User: next\nAssistant:", prompt.Text);
    }

    // For any history and budget: the prompt fits, keeps the newest messages whole and in order, drops only as many
    // as it must, and fails only when the system prompt and the newest message alone cannot fit.
    [Property(MaxTest = 60)]
    public void Build_ForAnyHistoryAndBudget_KeepsTheLongestFittingRunOfNewestWholeMessages(PositiveInt[] lengths, PositiveInt budgetSeed)
    {
        var model = models.Plain.GetModelAsync(TestContext.Current.CancellationToken).GetAwaiter().GetResult();
        var builder = new ChatPromptBuilder(model);
        var history = lengths.Take(12)
            .Select((length, i) => new ChatMessage(i % 2 == 0 ? ChatRole.User : ChatRole.Assistant, $"m{i}:{new string('x', length.Get % 40)}"))
            .Reverse().SkipWhile(m => m.Role == ChatRole.Assistant).Reverse() // the newest message is the user's
            .ToList();
        if (history.Count == 0)
        {
            return;
        }

        ChatMessage[] messages = [new(ChatRole.System, "sys"), .. history];
        var budget = 20 + budgetSeed.Get % 400;
        var minimum = builder.Build([messages[0], history[^1]], null, int.MaxValue).Tokens.Length;

        if (minimum > budget)
        {
            Assert.Throws<PromptTooLongException>(() => builder.Build(messages, null, budget));
            return;
        }
        var prompt = builder.Build(messages, null, budget);

        Assert.InRange(prompt.Tokens.Length, 1, budget);
        var kept = history.Skip(prompt.DroppedMessages).ToList();
        Assert.All(kept, m => Assert.Contains(m.Text + "\n", prompt.Text));
        Assert.All(history.Take(prompt.DroppedMessages), m => Assert.DoesNotContain(m.Text.Split(':')[0] + ":", prompt.Text));
        if (prompt.DroppedMessages > 0)
        {
            var oneMore = builder.Build([messages[0], .. history.Skip(prompt.DroppedMessages - 1)], null, int.MaxValue);
            Assert.True(oneMore.Tokens.Length > budget || history[prompt.DroppedMessages - 1].Role == ChatRole.Assistant);
        }
    }
}
