using Microsoft.Extensions.AI;

namespace ChatBot.Core;

// Model choice, custom instructions, edit, continue and feedback.
public sealed partial class ChatService
{
    private ModelCatalog? _models;

    /// <summary>The models this deployment offers, the first being the default (see <see cref="ModelCatalog"/>).</summary>
    public ModelCatalog Models => _models ??= chatClient.GetService<ModelCatalog>() ?? SingleModel(chatClient);

    /// <summary>
    /// Creates a conversation with optional title, model and instructions; without instructions of its own it gets the
    /// user's default instructions (<see cref="UserSettings"/>), copied so a later change of the default leaves it as it is.
    /// </summary>
    public async Task<Conversation> CreateConversationAsync(
        string userId, string? title, string? modelId, string? instructions, CancellationToken cancellationToken)
    {
        instructions ??= (await store.GetUserSettingsAsync(userId, cancellationToken)).Instructions;
        var now = time.GetUtcNow();
        var conversation = new Conversation(
            Ids.New(now),
            userId,
            NullIfBlank(title is null ? null : Titles.Clean(title)),
            now,
            now,
            NullIfBlank(modelId),
            NullIfBlank(instructions));
        await CountConversationAsync(userId, cancellationToken);
        await store.CreateConversationAsync(conversation, cancellationToken);
        return conversation;
    }

    /// <summary>Changes the title, model or instructions. Returns null when the conversation is not found.</summary>
    public async Task<Conversation?> UpdateConversationAsync(string userId, string conversationId, ConversationPatch patch, CancellationToken cancellationToken)
    {
        var clean = patch with { Title = patch.Title is null ? null : Titles.Clean(patch.Title) };
        var updated = await store.UpdateConversationAsync(userId, conversationId, clean, time.GetUtcNow(), cancellationToken);
        await cache.InvalidateAsync(userId, conversationId, cancellationToken);
        return updated;
    }

    public Task<UserSettings> GetUserSettingsAsync(string userId, CancellationToken cancellationToken) =>
        store.GetUserSettingsAsync(userId, cancellationToken);

    public async Task<UserSettings> SaveUserSettingsAsync(string userId, UserSettings settings, CancellationToken cancellationToken)
    {
        var clean = new UserSettings(NullIfBlank(settings.Instructions));
        await store.SaveUserSettingsAsync(userId, clean, cancellationToken);
        return clean;
    }

    /// <summary>Sets or (with null) clears the feedback on an answer; null when the conversation or answer is not found.</summary>
    public async Task<ConversationMessage?> SetFeedbackAsync(
        string userId, string conversationId, string messageId, FeedbackRating? rating, string? comment, CancellationToken cancellationToken)
    {
        var feedback = rating is { } r ? new MessageFeedback(r, NullIfBlank(comment), time.GetUtcNow()) : null;
        var updated = await store.SetFeedbackAsync(userId, conversationId, messageId, feedback, cancellationToken);
        await cache.InvalidateAsync(userId, conversationId, cancellationToken);
        return updated;
    }

    /// <summary>
    /// Replaces the last question with <paramref name="content"/> and answers it again: the last turn is replaced (the
    /// question in place, keeping its id; the answer when the new one is stored), not repeated.
    /// </summary>
    public async Task<TurnStart> StartEditAsync(
        string userId, string conversationId, string messageId, string content, string? modelId, CancellationToken cancellationToken)
    {
        var context = await store.GetConversationAsync(userId, conversationId, _options.HistoryMessages + 2, cancellationToken);
        if (context is null)
        {
            return new TurnStart.NotFound();
        }

        var questionIndex = LastIndex(context.Messages, MessageRole.User);
        if (questionIndex < 0 || context.Messages[questionIndex].Id != messageId)
        {
            throw new NotTheLastQuestionException("Only the conversation's last question can be edited.");
        }

        var question = context.Messages[questionIndex] with { Content = content };
        return await StartReplacingAnswerAsync(
            userId, context, questionIndex, question, new TurnPlan(ResolveModel(modelId, context.Conversation), ReplacesAnswer: true),
            lease => store.EditUserMessageAsync(userId, question, lease, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Continues the last answer when it was cut off at the output-token limit (finish reason <c>length</c>): the model is
    /// given the answer so far to carry on from, and the same message grows. Uses the model that wrote it, if still offered.
    /// </summary>
    public async Task<TurnStart> StartContinueAsync(string userId, string conversationId, CancellationToken cancellationToken)
    {
        var context = await store.GetConversationAsync(userId, conversationId, _options.HistoryMessages + 2, cancellationToken);
        if (context is null)
        {
            return new TurnStart.NotFound();
        }

        var answerIndex = context.Messages.Count - 1;
        var answer = answerIndex >= 0 ? context.Messages[answerIndex] : null;
        var questionIndex = LastIndex(context.Messages, MessageRole.User);
        if (answer is not { Role: MessageRole.Assistant, FinishReason: FinishReasons.Length } || questionIndex < 0
            || context.Messages[questionIndex].Id != answer.ReplyTo)
        {
            throw new NothingToContinueException("The last answer was not cut off, so there is nothing to continue.");
        }

        var model = Models.Find(answer.ModelId) ?? ResolveModel(null, context.Conversation);
        return await StartReplacingAnswerAsync(
            userId, context, questionIndex, context.Messages[questionIndex], new TurnPlan(model, ReplacesAnswer: true, Continues: answer),
            lease => store.ClaimTurnAsync(userId, conversationId, lease, cancellationToken), cancellationToken);
    }

    /// <summary>The model asked for, else the conversation's, else the default; a choice no longer offered falls back too.</summary>
    private ModelInfo ResolveModel(string? requested, Conversation conversation) =>
        requested is null ? Models.Resolve(conversation.ModelId)
        : Models.Find(requested) ?? throw new UnknownModelException($"The model '{requested}' is not offered by this deployment.");

    private static int LastIndex(IReadOnlyList<ConversationMessage> messages, MessageRole role)
    {
        var index = messages.Count - 1;
        while (index >= 0 && messages[index].Role != role)
        {
            index--;
        }

        return index;
    }

    private static TokenUsage? AddUsage(TokenUsage? earlier, UsageDetails? usage) =>
        (earlier, usage) switch
        {
            (null, null) => null,
            (_, null) => earlier,
            _ => new TokenUsage(
                (int)(usage.InputTokenCount ?? 0),
                (earlier?.OutputTokens ?? 0) + (int)(usage.OutputTokenCount ?? 0)),
        };

    private static ModelCatalog SingleModel(IChatClient client)
    {
        var metadata = client.GetService<ChatClientMetadata>();
        var id = metadata?.DefaultModelId ?? "default";
        return new ModelCatalog([new ModelInfo(id, id, metadata?.ProviderName ?? "unknown", null)]);
    }
}
