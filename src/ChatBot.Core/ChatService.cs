using System.Runtime.CompilerServices;
using ChatBot.Core.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.Core;

/// <summary>
/// The use cases: conversations and turns. A turn reads the context from the cache (or, on a miss, one store read), stores
/// the user message, streams the model's answer and stores it, whatever way the answer ends.
/// </summary>
public sealed partial class ChatService(
    IConversationStore store,
    IContextCache cache,
    IChatClient chatClient,
    IOptions<ChatServiceOptions> options,
    TimeProvider time,
    ILogger<ChatService> logger,
    UsageLimiter? limiter = null,
    FairGate? gate = null)
{
    private readonly ChatServiceOptions _options = options.Value;

    public Task<Conversation> CreateConversationAsync(string userId, string? title, CancellationToken cancellationToken) =>
        CreateConversationAsync(userId, title, modelId: null, instructions: null, cancellationToken);

    public Task<ConversationPage> ListConversationsAsync(string userId, int limit, string? cursor, CancellationToken cancellationToken) =>
        store.ListConversationsAsync(userId, limit, cursor, cancellationToken);

    public Task<ConversationContext?> GetConversationAsync(string userId, string conversationId, CancellationToken cancellationToken) =>
        store.GetConversationAsync(userId, conversationId, int.MaxValue, cancellationToken);

    public async Task<Conversation?> RenameConversationAsync(string userId, string conversationId, string title, CancellationToken cancellationToken)
    {
        var renamed = await store.RenameConversationAsync(userId, conversationId, Titles.Clean(title), time.GetUtcNow(), cancellationToken);
        await cache.InvalidateAsync(userId, conversationId, cancellationToken);
        return renamed;
    }

    public async Task<bool> DeleteConversationAsync(string userId, string conversationId, CancellationToken cancellationToken)
    {
        var deleted = await store.DeleteConversationAsync(userId, conversationId, cancellationToken);
        await cache.InvalidateAsync(userId, conversationId, cancellationToken);
        return deleted;
    }

    /// <summary>
    /// Loads the context, checks that the message fits the model (where the backend can tell), stores the user message and
    /// takes the conversation's turn lease. Nothing is streamed yet, so the caller can still answer with a plain status code
    /// (404, 409, 422) before it commits to a stream.
    /// </summary>
    public Task<TurnStart> StartTurnAsync(
        string userId, string conversationId, string content, string? clientMessageId, CancellationToken cancellationToken) =>
        StartTurnAsync(userId, conversationId, content, clientMessageId, modelId: null, cancellationToken);

    /// <inheritdoc cref="StartTurnAsync(string, string, string, string?, CancellationToken)"/>
    /// <param name="modelId">The model for this answer; null uses the conversation's (or the deployment's default).</param>
    public async Task<TurnStart> StartTurnAsync(
        string userId, string conversationId, string content, string? clientMessageId, string? modelId, CancellationToken cancellationToken)
    {
        var context = await cache.GetAsync(userId, conversationId, cancellationToken);
        if (context is null)
        {
            context = await store.GetConversationAsync(userId, conversationId, _options.HistoryMessages, cancellationToken);
            if (context is null)
            {
                return new TurnStart.NotFound();
            }

            await cache.SetAsync(userId, context, cancellationToken);
        }

        var now = time.GetUtcNow();
        var userMessage = new ConversationMessage(
            Ids.New(now), conversationId, MessageRole.User, content, now, MessageStatus.Complete, clientMessageId);
        var model = ResolveModel(modelId, context.Conversation);
        var prompt = BuildPrompt(context.Conversation, context.Messages, userMessage);
        await EnsurePromptFitsAsync(prompt, model, cancellationToken);

        // The cache only saves the read: the store's answer (Busy, NotFound) is what decides, so a stale entry lets nothing through.
        var lease = NewLease(now);
        var ticket = await BeginUsageAsync(userId, cancellationToken);
        var added = await UnlessRefusedAsync(ticket, store.AddUserMessageAsync(userId, userMessage, lease, cancellationToken), a => a.Outcome == AddMessageOutcome.Added);
        switch (added.Outcome)
        {
            case AddMessageOutcome.Added:
                return new TurnStart.Started(new ChatTurn(this, userId, context, added.UserMessage, prompt, lease, new TurnPlan(model, ReplacesAnswer: false), ticket));
            case AddMessageOutcome.Repeated when added.Answer is { } answer:
                return new TurnStart.Replayed(added.UserMessage, answer, context.Conversation);
            case AddMessageOutcome.Repeated:
                throw new TurnInProgressException(
                    $"The message with clientMessageId '{clientMessageId}' is still being answered. Wait for that answer instead of sending it again.");
            case AddMessageOutcome.Busy:
                throw Busy();
            default:
                await cache.InvalidateAsync(userId, conversationId, cancellationToken);
                return new TurnStart.NotFound();
        }
    }

    /// <summary>
    /// Answers the conversation's last question again. The new answer replaces the last one when it is stored, and the old one
    /// is not part of the prompt. Reads the store, not the cache: the answer being replaced must be the stored one.
    /// </summary>
    public Task<TurnStart> StartRegenerateAsync(string userId, string conversationId, CancellationToken cancellationToken) =>
        StartRegenerateAsync(userId, conversationId, modelId: null, cancellationToken);

    /// <inheritdoc cref="StartRegenerateAsync(string, string, CancellationToken)"/>
    /// <param name="modelId">The model for the new answer; null uses the conversation's (or the deployment's default).</param>
    public async Task<TurnStart> StartRegenerateAsync(string userId, string conversationId, string? modelId, CancellationToken cancellationToken)
    {
        var context = await store.GetConversationAsync(userId, conversationId, _options.HistoryMessages + 2, cancellationToken);
        if (context is null)
        {
            return new TurnStart.NotFound();
        }

        var questionIndex = LastIndex(context.Messages, MessageRole.User);
        if (questionIndex < 0)
        {
            throw new NothingToRegenerateException("This conversation has no message to answer again. Send one first.");
        }

        return await StartReplacingAnswerAsync(
            userId, context, questionIndex, context.Messages[questionIndex], new TurnPlan(ResolveModel(modelId, context.Conversation), ReplacesAnswer: true),
            lease => store.ClaimTurnAsync(userId, conversationId, lease, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Starts a turn whose answer replaces the one after <paramref name="question"/> (regenerate, edit, continue): the prompt is
    /// the history before the question, then the question (then the answer so far, to continue it); once it fits, takes a
    /// lease, counts the turn against the user's limits, and lets <paramref name="claim"/> take the conversation in the store.
    /// </summary>
    private async Task<TurnStart> StartReplacingAnswerAsync(
        string userId, ConversationContext context, int questionIndex, ConversationMessage question, TurnPlan plan,
        Func<TurnLease, Task<TurnClaim>> claim, CancellationToken cancellationToken)
    {
        var history = context with { Messages = context.Messages.Take(questionIndex).ToList() };
        var prompt = BuildPrompt(context.Conversation, history.Messages, question);
        if (plan.Continues is { } answer)
        {
            // The answer so far comes last, as the assistant's: the model carries on from its last word.
            prompt.Add(new ChatMessage(ChatRole.Assistant, answer.Content));
        }

        await EnsurePromptFitsAsync(prompt, plan.Model, cancellationToken);
        var lease = NewLease(time.GetUtcNow());
        var ticket = await BeginUsageAsync(userId, cancellationToken);
        return await UnlessRefusedAsync(ticket, claim(lease), c => c == TurnClaim.Claimed) switch
        {
            TurnClaim.Claimed => new TurnStart.Started(new ChatTurn(this, userId, history, question, prompt, lease, plan, ticket)),
            TurnClaim.Busy => throw Busy(),
            _ => new TurnStart.NotFound(),
        };
    }

    internal async IAsyncEnumerable<TurnUpdate> StreamAnswerAsync(
        string userId,
        ConversationContext context,
        ConversationMessage userMessage,
        List<ChatMessage> prompt,
        TurnLease lease,
        TurnPlan plan,
        TurnTicket? ticket,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The answer is created right after its question so the two sort together, even when turns overlap. A continued
        // answer keeps its id and time, and grows.
        var answerId = plan.Continues?.Id ?? Ids.New(time.GetUtcNow());
        var answerCreatedAt = plan.Continues?.CreatedAt ?? time.GetUtcNow();
        var text = new System.Text.StringBuilder(plan.Continues?.Content);
        UsageDetails? usage = null;
        ChatFinishReason? finishReason = null;
        Exception? failure = null;
        var status = MessageStatus.Complete;

        // An answer never outlives its lease: past Chat:MaxAnswerSeconds the model is stopped and the answer kept as failed.
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(_options.MaxAnswerSeconds));
        string? model = null;
        await using (var updates = GatedAsync(userId, prompt, plan.Model, limit.Token).GetAsyncEnumerator(limit.Token))
        {
            while (true)
            {
                ChatResponseUpdate update;
                try
                {
                    if (!await updates.MoveNextAsync())
                    {
                        break;
                    }

                    update = updates.Current;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    status = MessageStatus.Stopped;
                    break;
                }
                catch (OperationCanceledException) when (limit.IsCancellationRequested)
                {
                    status = MessageStatus.Failed;
                    failure = new ModelException(
                        ModelErrorKind.Failed, $"The answer took longer than {_options.MaxAnswerSeconds} seconds (Chat:MaxAnswerSeconds) and was cut off.");
                    break;
                }
                catch (Exception ex)
                {
                    LogModelFailed(logger, ex, context.Conversation.Id);
                    status = MessageStatus.Failed;
                    failure = ex;
                    break;
                }

                finishReason = update.FinishReason ?? finishReason;
                model ??= update.ModelId;
                foreach (var item in update.Contents)
                {
                    if (item is UsageContent usageContent)
                    {
                        usage = usageContent.Details;
                    }
                }

                if (update.Text is { Length: > 0 } delta)
                {
                    text.Append(delta);
                    yield return new TurnUpdate.Delta(delta);
                }
            }
        }

        var answer = new ConversationMessage(
            answerId,
            context.Conversation.Id,
            MessageRole.Assistant,
            text.ToString(),
            answerCreatedAt,
            status,
            ReplyTo: userMessage.Id,
            Usage: AddUsage(plan.Continues?.Usage, usage),
            ModelId: plan.Model.Id,
            FinishReason: status == MessageStatus.Complete ? finishReason?.Value : null);

        var conversation = context.Conversation with
        {
            Title = context.Conversation.Title ?? NullIfBlank(Titles.FromFirstMessage(userMessage.Content)),
            UpdatedAt = time.GetUtcNow(),
        };

        // The caller may be gone (that is how a stop arrives), but what was said must still be stored.
        bool kept;
        try
        {
            kept = await store.SaveAssistantMessageAsync(userId, conversation, answer, lease, CancellationToken.None);
        }
        finally
        {
            // The model's tokens were spent whether or not the answer could be stored.
            // Only this turn's own tokens: a continued answer's earlier part was counted when it was written.
            await EndUsageAsync(
                ticket, prompt, AddUsage(null, usage), answer.Content.Length - (plan.Continues?.Content.Length ?? 0), model ?? plan.Model.Id, failure is not null);
        }
        if (!kept)
        {
            await cache.InvalidateAsync(userId, conversation.Id, CancellationToken.None);
            yield return new TurnUpdate.Failed(answer, new ConversationDeletedException(
                "The conversation was deleted while this answer was being written; nothing of it was kept."));
            yield break;
        }

        if (plan.ReplacesAnswer || plan.Continues is not null)
        {
            // The cached context still holds the replaced answer; the next turn reloads it from the store.
            await cache.InvalidateAsync(userId, conversation.Id, CancellationToken.None);
        }
        else
        {
            await cache.AppendAsync(userId, conversation, [userMessage, answer], CancellationToken.None);
        }

        yield return failure is null ? new TurnUpdate.Completed(answer, conversation) : new TurnUpdate.Failed(answer, failure);
    }

    // Usage: limits checked as a turn starts and tokens counted as it ends (UsageLimiter), and the model's fair gate.
    private Task CountConversationAsync(string userId, CancellationToken cancellationToken) =>
        limiter?.CountConversationAsync(userId, cancellationToken) ?? Task.CompletedTask;

    private async Task<TurnTicket?> BeginUsageAsync(string userId, CancellationToken cancellationToken) =>
        limiter is null ? null : await limiter.BeginTurnAsync(userId, cancellationToken);

    /// <summary>The store's answer to a turn; a turn it refuses (or that fails) gives its slot back at once.</summary>
    private async Task<T> UnlessRefusedAsync<T>(TurnTicket? ticket, Task<T> storeCall, Func<T, bool> started)
    {
        var began = false;
        try
        {
            var result = await storeCall;
            began = started(result);
            return result;
        }
        finally
        {
            if (ticket is not null && !began)
            {
                await limiter!.EndTurnAsync(ticket, TurnUsage.NotAnswered);
            }
        }
    }

    /// <summary>The model's stream, once the fair gate has given this user a slot; the slot is held until the stream ends.</summary>
    private async IAsyncEnumerable<ChatResponseUpdate> GatedAsync(
        string userId, List<ChatMessage> prompt, ModelInfo model, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var slot = gate is null ? null : await gate.EnterAsync(userId, cancellationToken);
        await foreach (var update in chatClient.GetStreamingResponseAsync(prompt, BuildChatOptions(model).WithPromptScope(userId), cancellationToken))
        {
            yield return update;
        }
    }

    /// <summary>The provider's token counts, or the app's own estimate when it reported none.</summary>
    private Task EndUsageAsync(TurnTicket? ticket, List<ChatMessage> prompt, TokenUsage? reported, int newTextLength, string model, bool failed)
    {
        if (ticket is null)
        {
            return Task.CompletedTask;
        }

        var input = reported?.InputTokens ?? UsageLimiter.EstimateTokens(prompt.Sum(m => (long)m.Text.Length));
        var output = reported?.OutputTokens ?? UsageLimiter.EstimateTokens(newTextLength);
        return limiter!.EndTurnAsync(ticket, new TurnUsage(model, input, output, failed));
    }

    private TurnLease NewLease(DateTimeOffset now) => new(Ids.New(now), now, now + _options.TurnLeaseDuration);

    private static TurnInProgressException Busy() => new(
        "An answer is still being written in this conversation. Wait for it to finish, or stop it, then send again.");

    private async ValueTask EnsurePromptFitsAsync(List<ChatMessage> prompt, ModelInfo model, CancellationToken cancellationToken)
    {
        if (chatClient.GetService<IPromptFitCheck>() is { } check)
        {
            await check.EnsureFitsAsync(prompt, BuildChatOptions(model), cancellationToken);
        }
    }

    /// <summary>The conversation's own instructions replace the default system prompt.</summary>
    private List<ChatMessage> BuildPrompt(Conversation conversation, IReadOnlyList<ConversationMessage> history, ConversationMessage userMessage)
    {
        var prompt = new List<ChatMessage>(history.Count + 2);
        var system = conversation.Instructions ?? _options.SystemPrompt;
        if (!string.IsNullOrWhiteSpace(system))
        {
            prompt.Add(new ChatMessage(ChatRole.System, system));
        }

        foreach (var message in history.Skip(Math.Max(0, history.Count - _options.HistoryMessages)))
        {
            // A failed answer with nothing in it would only confuse the model.
            if (message.Content.Length > 0)
            {
                prompt.Add(new ChatMessage(message.Role == MessageRole.User ? ChatRole.User : ChatRole.Assistant, message.Content));
            }
        }

        prompt.Add(new ChatMessage(ChatRole.User, userMessage.Content));
        return prompt;
    }

    private ChatOptions BuildChatOptions(ModelInfo model) => new()
    {
        ModelId = model.Id,
        MaxOutputTokens = _options.MaxOutputTokens,
        Temperature = _options.Temperature,
    };

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    [LoggerMessage(Level = LogLevel.Warning, Message = "The model failed while answering in conversation {ConversationId}; the partial answer is kept as failed")]
    private static partial void LogModelFailed(ILogger logger, Exception exception, string conversationId);
}
