namespace ChatBot.Core;

/// <summary>Why a model stopped writing an answer, as stored with the answer.</summary>
public static class FinishReasons
{
    public const string Stop = "stop";

    /// <summary>The answer reached the output-token limit: it can be continued.</summary>
    public const string Length = "length";
}

public enum FeedbackRating
{
    Up,
    Down,
}

/// <summary>A user's judgement of an answer: thumbs up or down, with an optional comment. Changeable; kept with the answer.</summary>
public sealed record MessageFeedback(FeedbackRating Rating, string? Comment, DateTimeOffset At);

/// <summary>
/// Changes to a conversation's settings. Null leaves a setting as it is; an empty <see cref="ModelId"/> or
/// <see cref="Instructions"/> removes it (back to the deployment's default model, or the default system prompt).
/// </summary>
public sealed record ConversationPatch(string? Title = null, string? ModelId = null, string? Instructions = null)
{
    public Conversation ApplyTo(Conversation conversation, DateTimeOffset updatedAt) => conversation with
    {
        Title = Title ?? conversation.Title,
        ModelId = ModelId is null ? conversation.ModelId : ModelId.Length == 0 ? null : ModelId,
        Instructions = Instructions is null ? conversation.Instructions : Instructions.Length == 0 ? null : Instructions,
        UpdatedAt = updatedAt > conversation.UpdatedAt ? updatedAt : conversation.UpdatedAt,
    };
}

/// <summary>A user's settings. <see cref="Instructions"/> are copied into every new conversation that sets none of its own.</summary>
public sealed record UserSettings(string? Instructions)
{
    public static UserSettings Empty { get; } = new((string?)null);
}

/// <summary>One model a deployment offers. <see cref="ContextWindow"/> is in tokens, null when not known.</summary>
public sealed record ModelInfo(string Id, string DisplayName, string Provider, int? ContextWindow);

/// <summary>
/// The models a deployment offers, the first being the default. Offered by a model backend through
/// <see cref="Microsoft.Extensions.AI.IChatClient.GetService"/>, like <see cref="IPromptFitCheck"/>; a backend without one
/// offers the single model it names in its metadata.
/// </summary>
public sealed class ModelCatalog
{
    public ModelCatalog(IEnumerable<ModelInfo> models)
    {
        Models = models.DistinctBy(m => m.Id, StringComparer.Ordinal).ToArray();
        if (Models.Count == 0)
        {
            throw new ArgumentException("A model catalog needs at least one model.", nameof(models));
        }
    }

    public IReadOnlyList<ModelInfo> Models { get; }

    public ModelInfo Default => Models[0];

    public ModelInfo? Find(string? id) => id is null ? null : Models.FirstOrDefault(m => m.Id == id);

    /// <summary>The model to use: <paramref name="id"/> when offered, else the default (a stored choice may outlive the list).</summary>
    public ModelInfo Resolve(string? id) => Find(id) ?? Default;
}
