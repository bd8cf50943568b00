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
        if (request?.Content is null || string.IsNullOrWhiteSpace(request.Content))
        {
            return BadRequest("The message is empty.", "content must contain some text.");
        }

        var bytes = Encoding.UTF8.GetByteCount(request.Content);
        if (bytes > maxBytes)
        {
            return BadRequest("The message is too long.", $"content is {bytes} bytes of UTF-8; the limit is {maxBytes}.");
        }

        if (request.ClientMessageId is { } clientId
            && (clientId.Length is 0 or > MaxClientMessageIdLength || !clientId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            return BadRequest("The clientMessageId is malformed.", $"clientMessageId must be 1-{MaxClientMessageIdLength} letters, digits, '-' or '_'.");
        }

        return null;
    }

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
