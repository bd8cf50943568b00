using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using ChatBot.TestKit;
using Microsoft.Extensions.AI;

namespace ChatBot.E2E.Tests;

/// <summary>Model choice, custom instructions, edit, continue and feedback, as a person uses them in the web app.</summary>
public sealed class FeaturesTests(E2EFixture fixture) : BrowserTest(fixture)
{
    [Fact]
    public async Task CutOffAnswer_SaysSo_AndContinueGrowsTheSameAnswer_AlsoAfterReload()
    {
        App.Models.Set("continuer", new CutOffModel());
        var page = await OpenAsync("continuer");
        await SendAsync(page, "Tell me a story");

        var answer = page.GetByTestId("assistant-message");
        await Expect(page.GetByTestId("cut-off")).ToContainTextAsync("The answer was cut off.");
        await Expect(answer).ToContainTextAsync("Once upon a");
        await page.GetByTestId("continue").ClickAsync();

        await Expect(answer).ToHaveCountAsync(1);
        await Expect(answer.Locator(".assistant-body")).ToHaveTextAsync("Once upon a time, the end.");
        await Expect(page.GetByTestId("cut-off")).ToHaveCountAsync(0);
        await page.ReloadAsync();
        await Expect(answer).ToHaveCountAsync(1);
        await Expect(answer.Locator(".assistant-body")).ToHaveTextAsync("Once upon a time, the end.");
        await Expect(page.GetByTestId("cut-off")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task EditTheLastQuestion_ReplacesTheLastTurn_NotAddingOne()
    {
        var page = await OpenAsync("editor");
        await SendAsync(page, "frist");
        await Expect(page.GetByTestId("assistant-message")).ToHaveAttributeAsync("data-status", "complete");

        await page.GetByTestId("edit-message").ClickAsync();
        await page.GetByTestId("edit-input").FillAsync("first");
        await page.GetByTestId("edit-send").ClickAsync();

        await Expect(page.GetByTestId("assistant-message")).ToHaveAttributeAsync("data-status", "complete");
        await Expect(page.GetByTestId("user-message")).ToHaveTextAsync("first");
        await page.ReloadAsync();
        await Expect(page.GetByTestId("user-message")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("user-message")).ToHaveTextAsync("first");
        await Expect(page.GetByTestId("assistant-message")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("assistant-message").Locator(".assistant-body")).ToHaveTextAsync(TinyGgufModel.ExpectedChatAnswer);
    }

    [Fact]
    public async Task Feedback_ThumbsDownWithAComment_IsKeptAndChangeable_AndTheAnswerShowsItsModel()
    {
        var page = await OpenAsync("rater");
        await SendAsync(page, "hi");
        var answer = page.GetByTestId("assistant-message");
        await Expect(answer).ToHaveAttributeAsync("data-status", "complete");
        await Expect(answer.GetByTestId("message-model")).ToHaveAttributeAsync("data-model", new System.Text.RegularExpressions.Regex("^chatbot-tiny-"));

        await answer.GetByTestId("thumbs-down").ClickAsync();
        await page.GetByTestId("feedback-comment").FillAsync("Only the alphabet.");
        await page.GetByTestId("feedback-save").ClickAsync();
        await Expect(page.GetByTestId("feedback-note")).ToHaveTextAsync("Your comment: Only the alphabet.");

        await page.ReloadAsync();
        await Expect(answer.GetByTestId("thumbs-down")).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(page.GetByTestId("feedback-note")).ToHaveTextAsync("Your comment: Only the alphabet.");
        await answer.GetByTestId("thumbs-up").ClickAsync();
        await Expect(answer.GetByTestId("thumbs-up")).ToHaveAttributeAsync("aria-pressed", "true");
        await page.ReloadAsync();
        await Expect(answer.GetByTestId("thumbs-up")).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(answer.GetByTestId("thumbs-down")).ToHaveAttributeAsync("aria-pressed", "false");
        await Expect(page.GetByTestId("feedback-note")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Instructions_TheUsersDefaultGoesToTheNextConversation_AndItsOwnCanBeChanged()
    {
        var page = await OpenAsync("instructor");
        await page.GetByTestId("instructions-button").ClickAsync();
        await page.GetByTestId("user-instructions").FillAsync("Call me Sam.");
        await page.GetByTestId("instructions-dialog-save").ClickAsync();
        await Expect(page.GetByTestId("instructions-dialog")).ToHaveCountAsync(0);
        await SendAsync(page, "hello");
        await Expect(page.GetByTestId("assistant-message")).ToHaveAttributeAsync("data-status", "complete");

        await page.GetByTestId("instructions-button").ClickAsync();
        await Expect(page.GetByTestId("conversation-instructions")).ToHaveValueAsync("Call me Sam.");
        await page.GetByTestId("conversation-instructions").FillAsync("Answer in French.");
        await page.GetByTestId("instructions-dialog-save").ClickAsync();
        await Expect(page.GetByTestId("instructions-dialog")).ToHaveCountAsync(0);

        using var api = App.ApiFor("instructor");
        var id = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        var stored = await api.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>($"api/conversations/{id}");
        Assert.Equal("Answer in French.", stored!["instructions"]!.GetValue<string>());
        var settings = await api.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>("api/me/settings");
        Assert.Equal("Call me Sam.", settings!["instructions"]!.GetValue<string>());
    }

    [Fact]
    public async Task ModelPicker_SwitchesTheModelMidConversation_AndEachAnswerShowsItsOwn()
    {
        // Its own app: the shared one offers one model. The second model is the tiny model under another name.
        var models = Directory.CreateTempSubdirectory("chatbot-e2e-models-").FullName;
        TinyGgufModel.Write(Path.Combine(models, "second-model.gguf"));
        await using var app = new E2EApp(new Dictionary<string, string?> { ["Llm:LlamaSharp:ModelsDirectory"] = models }).Start();
        var context = await NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(app.BaseAddress.ToString());

        await SendAsync(page, "first");
        var answers = page.GetByTestId("assistant-message");
        await Expect(answers.Nth(0)).ToHaveAttributeAsync("data-status", "complete");
        await page.GetByTestId("model-picker").SelectOptionAsync("second-model");
        await SendAsync(page, "second");
        await Expect(answers).ToHaveCountAsync(2);
        await Expect(answers.Nth(1)).ToHaveAttributeAsync("data-status", "complete");

        await Expect(answers.Nth(0).GetByTestId("message-model")).ToHaveAttributeAsync("data-model", new System.Text.RegularExpressions.Regex("^chatbot-tiny-"));
        await Expect(answers.Nth(1).GetByTestId("message-model")).ToHaveAttributeAsync("data-model", "second-model");
        await page.ReloadAsync();
        await Expect(page.GetByTestId("model-picker")).ToHaveValueAsync("second-model");
        await Expect(answers.Nth(1).GetByTestId("message-model")).ToHaveAttributeAsync("data-model", "second-model");
        Directory.Delete(models, recursive: true);
    }

    private static async Task SendAsync(IPage page, string text)
    {
        var input = page.GetByLabel("Message", new() { Exact = true });
        await input.FillAsync(text);
        await input.PressAsync("Enter");
    }

    /// <summary>The first answer stops at the output-token limit; the next call (continue) finishes it.</summary>
    private sealed class CutOffModel : IChatClient
    {
        private int _calls;

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var first = Interlocked.Increment(ref _calls) == 1;
            await Task.Delay(20, cancellationToken);
            yield return new ChatResponseUpdate(ChatRole.Assistant, first ? "Once upon a" : " time, the end.");
            yield return new ChatResponseUpdate(ChatRole.Assistant, []) { FinishReason = first ? ChatFinishReason.Length : ChatFinishReason.Stop };
        }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
