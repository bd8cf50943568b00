using System.Text;
using ChatBot.Core;
using ChatBot.Api.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatBot.Api.Conversations;

/// <summary>Input checks that run before anything is stored, so bad input never leaves half a change behind.</summary>
internal static class RequestValidation
{
    public const int MaxPageSize = 100;
    public const int DefaultPageSize = 20;
    private const int MaxClientMessageIdLength = 128;

    public static ProblemHttpResult? ConversationId(string id) => Ids.IsValid(id)
        ? null
        : BadRequest("The conversation id is malformed.", "Conversation ids are 32 lowercase hexadecimal characters.");

    public static ProblemHttpResult? PageSize(int? limit) => limit is null or (>= 1 and <= MaxPageSize)
        ? null
        : BadRequest("The limit is out of range.", $"limit must be between 1 and {MaxPageSize}.");

    public static ProblemHttpResult? Title(string? title, int maxLength, bool required)
    {
        // Judged as stored: one line, without invisible or direction-changing characters (see Titles.Clean).
        var clean = title is null ? "" : Titles.Clean(title);
        if (clean.Length == 0)
        {
            return required ? BadRequest("The title is missing.", "title must contain some visible text.") : null;
        }

        return clean.Length <= maxLength
            ? null
            : BadRequest("The title is too long.", $"title must be at most {maxLength} characters.");
    }

    public static ProblemHttpResult? Message(SendMessageRequest? request, int maxBytes)
    {
        if (Content(request?.Content, maxBytes) is { } invalid)
        {
            return invalid;
        }

        if (request!.ClientMessageId is { } clientId
            && (clientId.Length is 0 or > MaxClientMessageIdLength || !clientId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            return BadRequest("The clientMessageId is malformed.", $"clientMessageId must be 1-{MaxClientMessageIdLength} letters, digits, '-' or '_'.");
        }

        return null;
    }

    public static ProblemHttpResult? Content(string? content, int maxBytes)
    {
        if (content is null || string.IsNullOrWhiteSpace(content))
        {
            return BadRequest("The message is empty.", "content must contain some text.");
        }

        var bytes = Encoding.UTF8.GetByteCount(content);
        return bytes <= maxBytes ? null : BadRequest("The message is too long.", $"content is {bytes} bytes of UTF-8; the limit is {maxBytes}.");
    }

    // Model choice, custom instructions, edit, continue and feedback.

    /// <summary>Instructions are a system prompt: 4 KiB is room for a page of guidance without crowding out the conversation.</summary>
    public const int MaxInstructionsBytes = 4096;

    public const int MaxFeedbackCommentLength = 2000;

    /// <summary>A model must be one the deployment offers; null (not given) is fine, and so is empty when <paramref name="clearable"/>.</summary>
    public static ProblemHttpResult? Model(string? model, ModelCatalog catalog, bool clearable = false) =>
        model is null || (clearable && model.Length == 0) || catalog.Find(model) is not null
            ? null
            : BadRequest("The model is not offered.", $"model must be one of: {string.Join(", ", catalog.Models.Select(m => m.Id))} (GET /api/models).");

    public static ProblemHttpResult? Instructions(string? instructions)
    {
        var bytes = instructions is null ? 0 : Encoding.UTF8.GetByteCount(instructions);
        return bytes <= MaxInstructionsBytes
            ? null
            : BadRequest("The instructions are too long.", $"instructions are {bytes} bytes of UTF-8; the limit is {MaxInstructionsBytes}.");
    }

    public static ProblemHttpResult? ConversationSettings(string? title, string? model, string? instructions, ModelCatalog catalog, int maxTitleLength, bool patch)
    {
        if (patch && title is null && model is null && instructions is null)
        {
            return BadRequest("Nothing to change.", "Send at least one of title, model or instructions.");
        }

        return Title(title, maxTitleLength, required: patch && title is not null) ?? Model(model, catalog, clearable: patch) ?? Instructions(instructions);
    }

    public static ProblemHttpResult? MessageId(string id) => Ids.IsValid(id)
        ? null
        : BadRequest("The message id is malformed.", "Message ids are 32 lowercase hexadecimal characters.");

    public static ProblemHttpResult? Feedback(FeedbackRequest? request, out FeedbackRating rating)
    {
        rating = default;
        if (request?.Rating is not ("up" or "down"))
        {
            return BadRequest("The rating is missing or unknown.", "rating must be \"up\" or \"down\".");
        }

        rating = request.Rating == "up" ? FeedbackRating.Up : FeedbackRating.Down;
        return request.Comment is { Length: > MaxFeedbackCommentLength }
            ? BadRequest("The comment is too long.", $"comment must be at most {MaxFeedbackCommentLength} characters.")
            : null;
    }

    public static ProblemHttpResult MessageNotFound() =>
        TypedResults.Problem(ErrorMapping.Problem(StatusCodes.Status404NotFound, "Message not found.", "There is no answer with that id in this conversation."));

    // Search and export (ConversationsApi.UserData.cs).

    public static (SearchQuery? Query, ProblemHttpResult? Invalid) SearchQuery(string? q)
    {
        if (string.IsNullOrWhiteSpace(q))
        {
            return (null, BadRequest("The search is empty.", "q must contain a word to search for."));
        }

        if (q.Length > Core.SearchQuery.MaxLength)
        {
            return (null, BadRequest("The search is too long.", $"q must be at most {Core.SearchQuery.MaxLength} characters."));
        }

        var query = Core.SearchQuery.Parse(q);
        if (query is null)
        {
            return (null, BadRequest("The search has no words.", "q must contain at least one letter or digit."));
        }

        return query.Words.Count > Core.SearchQuery.MaxWords
            ? (null, BadRequest("The search has too many words.", $"q may hold at most {Core.SearchQuery.MaxWords} words."))
            : (query, null);
    }

    public static ProblemHttpResult? ExportFormat(string? format) =>
        format is null || format.Equals("markdown", StringComparison.OrdinalIgnoreCase) || format.Equals("json", StringComparison.OrdinalIgnoreCase)
            ? null
            : BadRequest("The export format is not known.", "format must be markdown or json.");

    public static ProblemHttpResult BadRequest(string title, string detail) =>
        TypedResults.Problem(ErrorMapping.Problem(StatusCodes.Status400BadRequest, title, detail));

    public static ProblemHttpResult NotFound() =>
        TypedResults.Problem(ErrorMapping.Problem(StatusCodes.Status404NotFound, "Conversation not found.", "There is no conversation with that id."));
}
