using ChatBot.Core;
using Microsoft.Extensions.AI;

namespace ChatBot.Llm.LlamaSharp.Tests;

/// <summary>The embedded backend speaks ModelException, as the other backends do, so its failures are not 500s.</summary>
public sealed class LlamaSharpErrorMappingTests(TinyModels models)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Answer_WithABudgetLargerThanTheWindow_IsAnInvalidRequest()
    {
        using var client = new LlamaSharpErrorMappingChatClient(models.PlainClient(o => o.ContextSize = 128));

        var error = await Assert.ThrowsAsync<ModelException>(() =>
            client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hello")], new ChatOptions { MaxOutputTokens = 500 }, Ct));

        Assert.Equal(ModelErrorKind.InvalidRequest, error.Kind);
    }

    [Fact]
    public async Task PromptFitCheck_WithABudgetLargerThanTheWindow_IsAnInvalidRequest()
    {
        using var client = new LlamaSharpErrorMappingChatClient(models.PlainClient(o => o.ContextSize = 128));
        var check = client.GetService<IPromptFitCheck>();

        Assert.NotNull(check);
        var error = await Assert.ThrowsAsync<ModelException>(async () =>
            await check.EnsureFitsAsync([new ChatMessage(ChatRole.User, "Hello")], new ChatOptions { MaxOutputTokens = 500 }, Ct));
        Assert.Equal(ModelErrorKind.InvalidRequest, error.Kind);
    }

    [Fact]
    public async Task Answer_WhenTheMessageCannotFit_StaysPromptTooLong()
    {
        using var client = new LlamaSharpErrorMappingChatClient(models.PlainClient(o => o.ContextSize = 128));

        await Assert.ThrowsAsync<PromptTooLongException>(() =>
            client.GetResponseAsync([new ChatMessage(ChatRole.User, new string('x', 200))], cancellationToken: Ct));
    }

    [Fact]
    public async Task Answer_WhenTheCallerCancels_IsACancellationNotAFailure()
    {
        using var client = new LlamaSharpErrorMappingChatClient(models.PlainClient());
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hello")], cancellationToken: cancel.Token));
    }
}
