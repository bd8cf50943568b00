using ChatBot.TestKit;

namespace ChatBot.E2E.Tests;

/// <summary>The details of a chat that make it pleasant: Markdown, copying, regenerating, recovering from errors, typing, scrolling.</summary>
public sealed class ChatExperienceTests(E2EFixture fixture) : BrowserTest(fixture)
{
    public const string CodeAnswer =
        "Here is one way:\n\n```python\ndef dedupe(items):\n    \"\"\"Keeps the first of each item, in order.\"\"\"\n    return list(dict.fromkeys(items))\n```\n\n" +
        "It keeps the **first** occurrence, and `dict` keeps insertion order.";

    [Fact]
    public async Task MarkdownAnswer_HighlightsCode_AndCopiesTheCodeAndTheMessage()
    {
        App.Models.Set("coder", new ScriptedChatClient(Pieces(CodeAnswer)) { PieceDelay = ScriptedModels.Pace });
        var page = await OpenAsync("coder");
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);

        await SendAsync(page, "Remove duplicates from a list in Python");
        var answer = page.GetByTestId("assistant-message");
        await Expect(answer).ToHaveAttributeAsync("data-status", "complete");
        await Expect(answer.Locator("strong")).ToHaveTextAsync("first");
        var code = answer.Locator(".code-block pre code.language-python");
        await Expect(code).ToContainTextAsync("return list(dict.fromkeys(items))");
        await Expect(code.Locator(".hljs-keyword").First).ToHaveTextAsync("def");
        await Expect(answer.Locator(".code-lang")).ToHaveTextAsync("python");

        await answer.GetByRole(AriaRole.Button, new() { Name = "Copy code" }).ClickAsync();
        await Expect(answer.GetByRole(AriaRole.Button, new() { Name = "Copied" })).ToBeVisibleAsync();
        Assert.Equal(
            "def dedupe(items):\n    \"\"\"Keeps the first of each item, in order.\"\"\"\n    return list(dict.fromkeys(items))",
            (await page.EvaluateAsync<string>("() => navigator.clipboard.readText()")).TrimEnd('\n'));

        // Copying the message copies its Markdown source, the form that pastes well anywhere.
        await answer.GetByTestId("copy-message").ClickAsync();
        await Expect(answer.GetByTestId("copy-message")).ToHaveAttributeAsync("aria-label", "Copied");
        Assert.Equal(CodeAnswer, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
    }

    [Fact]
    public async Task Answer_StreamsPieceByPiece_InALiveRegion()
    {
        using var gate = new SemaphoreSlim(0);
        App.Models.Set("streamer", new ScriptedChatClient("One", " two", " three", " four.") { PieceDelay = ScriptedModels.Pace, PieceGate = gate });
        var page = await OpenAsync("streamer");

        await SendAsync(page, "Count to four");
        var answer = page.GetByTestId("assistant-message");
        await Expect(answer).ToHaveAttributeAsync("data-status", "streaming");
        gate.Release();
        await Expect(answer).ToHaveTextAsync("One");
        gate.Release();
        // Part of the answer is on screen while the rest is still coming, and screen readers are told as it grows.
        await Expect(answer).ToHaveTextAsync("One two");
        await Expect(answer).ToHaveAttributeAsync("data-status", "streaming");
        await Expect(answer.Locator(".assistant-body")).ToHaveAttributeAsync("aria-live", "polite");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Stop" })).ToBeVisibleAsync();

        gate.Release(2);
        await Expect(answer).ToHaveAttributeAsync("data-status", "complete");
        await Expect(answer).ToHaveTextAsync("One two three four.");
        await Expect(page.GetByTestId("announcer")).ToHaveTextAsync("Answer complete.");
    }

    [Fact]
    public async Task Regenerate_ReplacesTheLastAnswer_KeepingOneQuestion_AlsoAfterReload()
    {
        var model = new ScriptedChatClient("A fresh answer.") { PieceDelay = ScriptedModels.Pace, Failure = ScriptedModels.Outage(), FailAfter = 1, FailOnCall = 1 };
        App.Models.Set("regenerator", model);
        var page = await OpenAsync("regenerator");
        await SendAsync(page, "Say something");
        await Expect(page.GetByTestId("assistant-message")).ToHaveAttributeAsync("data-status", "failed");

        await page.GetByRole(AriaRole.Button, new() { Name = "Regenerate answer" }).ClickAsync();

        var answers = page.GetByTestId("assistant-message");
        await Expect(answers).ToHaveCountAsync(1);
        await Expect(answers).ToHaveAttributeAsync("data-status", "complete");
        await Expect(answers).ToHaveTextAsync("A fresh answer.");
        await Expect(page.GetByTestId("user-message")).ToHaveCountAsync(1);
        Assert.Equal(2, model.Calls);

        // The server replaced the answer: a reload shows one question and the new answer only.
        await page.ReloadAsync();
        await Expect(page.GetByTestId("user-message")).ToHaveCountAsync(1);
        await Expect(answers).ToHaveCountAsync(1);
        await Expect(answers).ToHaveTextAsync("A fresh answer.");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Regenerate answer" })).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task ModelFailure_MarksTheAnswerFailed_AndRetryGetsANewOne()
    {
        App.Models.Set("unlucky", new ScriptedChatClient("Half an ans", "wer that works.") { PieceDelay = ScriptedModels.Pace, Failure = ScriptedModels.Outage(), FailAfter = 1, FailOnCall = 1 });
        var page = await OpenAsync("unlucky");

        await SendAsync(page, "Try your best");
        var answer = page.GetByTestId("assistant-message");
        await Expect(answer.First).ToHaveAttributeAsync("data-status", "failed");
        await Expect(answer.First.GetByTestId("message-flag")).ToContainTextAsync("Failed");
        var error = page.GetByTestId("chat-error");
        await Expect(error).ToContainTextAsync("The model did not answer. Try again shortly.");

        await error.GetByRole(AriaRole.Button, new() { Name = "Retry" }).ClickAsync();

        await Expect(answer.Last).ToHaveAttributeAsync("data-status", "complete");
        await Expect(answer.Last).ToHaveTextAsync("Half an answer that works.");
        await Expect(error).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task FailedSend_KeepsTheTypedText_AndRetrySendsIt()
    {
        var page = await OpenAsync("offline");
        await page.RouteAsync("**/api/conversations/*/messages", route => route.AbortAsync("internetdisconnected"));

        await SendAsync(page, "Words I do not want to type twice");

        var error = page.GetByTestId("chat-error");
        await Expect(error).ToContainTextAsync("Your message was not sent.");
        await Expect(page.GetByLabel("Message", new() { Exact = true })).ToHaveValueAsync("Words I do not want to type twice");

        await page.UnrouteAllAsync();
        await error.GetByRole(AriaRole.Button, new() { Name = "Retry" }).ClickAsync();

        await Expect(page.GetByTestId("user-message")).ToHaveTextAsync("Words I do not want to type twice");
        await Expect(page.GetByTestId("assistant-message")).ToHaveTextAsync(TinyGgufModel.ExpectedChatAnswer);
        await Expect(page.GetByLabel("Message", new() { Exact = true })).ToHaveValueAsync("");
        await Expect(error).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task ShiftEnter_AddsALine_AndTheBoxGrows_EnterSends()
    {
        var page = await OpenAsync("typist");
        var input = page.GetByLabel("Message", new() { Exact = true });
        var oneLine = (await input.BoundingBoxAsync())!.Height;

        await input.PressSequentiallyAsync("First line");
        await input.PressAsync("Shift+Enter");
        await input.PressSequentiallyAsync("second line");
        await input.PressAsync("Shift+Enter");
        await input.PressSequentiallyAsync("third line");

        await Expect(input).ToHaveValueAsync("First line\nsecond line\nthird line");
        Assert.True((await input.BoundingBoxAsync())!.Height > oneLine * 1.5, "The message box did not grow with its lines.");
        await Expect(page.GetByTestId("user-message")).ToHaveCountAsync(0);

        await input.PressAsync("Enter");
        await Expect(page.GetByTestId("user-message")).ToHaveTextAsync("First line\nsecond line\nthird line");
        await Expect(input).ToHaveValueAsync("");
    }

    [Fact]
    public async Task LongAnswer_FollowsTheStream_UntilTheReaderScrollsUp()
    {
        var lines = Enumerable.Range(1, 60).Select(i => $"Line {i} of a long answer.\n\n").ToArray();
        using var gate = new SemaphoreSlim(0);
        App.Models.Set("reader", new ScriptedChatClient(lines) { PieceGate = gate });
        var page = await OpenAsync("reader");
        var messages = page.GetByTestId("messages");

        await SendAsync(page, "Write a lot");
        gate.Release(30);
        await Expect(page.GetByTestId("assistant-message")).ToContainTextAsync("Line 30 of");
        await page.WaitForFunctionAsync("() => { const m = document.querySelector('[data-testid=messages]'); return m.scrollHeight > m.clientHeight && m.scrollHeight - m.scrollTop - m.clientHeight <= 64; }");

        // The reader scrolls up to read: the view stays where they are while the rest arrives, and offers a way back down.
        await messages.HoverAsync();
        await page.Mouse.WheelAsync(0, -5000);
        await Expect(page.GetByTestId("jump-latest")).ToBeVisibleAsync();
        var scrolledTo = await messages.EvaluateAsync<double>("m => m.scrollTop");
        gate.Release(30);
        await Expect(page.GetByTestId("assistant-message")).ToHaveAttributeAsync("data-status", "complete");
        Assert.Equal(scrolledTo, await messages.EvaluateAsync<double>("m => m.scrollTop"));

        await page.GetByTestId("jump-latest").ClickAsync();
        await page.WaitForFunctionAsync("() => { const m = document.querySelector('[data-testid=messages]'); return m.scrollHeight - m.scrollTop - m.clientHeight <= 64; }");
        await Expect(page.GetByTestId("jump-latest")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Keyboard_FocusIsVisible_AndControlsHaveNames()
    {
        var page = await OpenAsync("keyboarder");
        await Expect(page.GetByTestId("local-badge")).ToHaveTextAsync("local");

        await page.GetByLabel("Message", new() { Exact = true }).FocusAsync();
        await page.Keyboard.PressAsync("Shift+Tab");
        var outline = await page.EvaluateAsync<string>("() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle + ' ' + s.outlineWidth; }");
        Assert.Equal("solid 2px", outline);

        // Every button says what it does, in words a screen reader can read out.
        var unnamed = await page.EvaluateAsync<int>(
            "() => [...document.querySelectorAll('button, textarea, input')].filter(e => !(e.getAttribute('aria-label') || e.labels?.length || e.textContent.trim())).length");
        Assert.Equal(0, unnamed);
    }

    /// <summary>An answer cut into small pieces, as a model streams it.</summary>
    public static string[] Pieces(string text) => [.. text.Chunk(12).Select(c => new string(c))];

    private static async Task SendAsync(IPage page, string text)
    {
        await page.GetByLabel("Message", new() { Exact = true }).FillAsync(text);
        await page.GetByLabel("Message", new() { Exact = true }).PressAsync("Enter");
    }
}
