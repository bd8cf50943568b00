using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ChatBot.Api.Identity;
using ChatBot.Api.Infrastructure;
using ChatBot.Core;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace ChatBot.Api.Conversations;

/// <summary>What a user does with all of their conversations at once: search them, export them, delete them.</summary>
public static partial class ConversationsApi
{
    private static void MapUserDataApi(RouteGroupBuilder conversations)
    {
        conversations.MapMethods("/search", HttpExtensions.GetAndHead, SearchConversations);
        conversations.MapGet("/export", ExportAllConversations);
        conversations.MapGet("/{id}/export", ExportConversation);
        conversations.MapDelete("/", DeleteAllConversations);
    }

    private static async Task<Results<Ok<SearchResultList>, ProblemHttpResult>> SearchConversations(
        string? q, int? limit, string? cursor, ClaimsPrincipal user, ChatService chat, CancellationToken cancellationToken)
    {
        var (query, invalid) = RequestValidation.SearchQuery(q);
        if ((invalid ?? RequestValidation.PageSize(limit)) is { } problem)
        {
            return problem;
        }

        var page = await chat.SearchConversationsAsync(
            user.GetUserId(), query!, limit ?? RequestValidation.DefaultPageSize, string.IsNullOrEmpty(cursor) ? null : cursor, cancellationToken);
        return TypedResults.Ok(new SearchResultList(page.Items.Select(SearchResult.From).ToArray(), page.NextCursor));
    }

    /// <summary>One conversation as a file: <c>format=markdown</c> (the default) or <c>format=json</c> (as GET returns it).</summary>
    private static async Task<IResult> ExportConversation(
        string id, string? format, ClaimsPrincipal user, ChatService chat, IOptions<JsonOptions> json, CancellationToken cancellationToken)
    {
        if ((RequestValidation.ConversationId(id) ?? RequestValidation.ExportFormat(format)) is { } invalid)
        {
            return invalid;
        }

        var context = await chat.GetConversationAsync(user.GetUserId(), id, cancellationToken);
        if (context is null)
        {
            return RequestValidation.NotFound();
        }

        var view = ConversationView.From(context);
        return format is null || format.Equals("markdown", StringComparison.OrdinalIgnoreCase)
            ? TypedResults.File(Encoding.UTF8.GetBytes(ConversationMarkdown.Write(view)), "text/markdown; charset=utf-8", $"chatbot-{id}.md")
            : TypedResults.File(JsonSerializer.SerializeToUtf8Bytes(view, ExportOptions(json.Value)), "application/json; charset=utf-8", $"chatbot-{id}.json");
    }

    /// <summary>
    /// Every conversation with all its messages, as one JSON document written while it is read: the store is read a page of
    /// the list and one conversation at a time, and each conversation is flushed before the next is read, so memory holds one.
    /// Once the first bytes are sent, a failure can only end the response early (the JSON is then incomplete).
    /// </summary>
    private static async Task ExportAllConversations(HttpContext http, ChatService chat, IOptions<JsonOptions> json)
    {
        var userId = http.User.GetUserId();
        var response = http.Response;
        response.ContentType = "application/json; charset=utf-8";
        response.Headers.ContentDisposition = "attachment; filename=\"chatbot-conversations.json\"";
        response.Headers.CacheControl = "no-store";
        var options = ExportOptions(json.Value);
        using var writer = new Utf8JsonWriter(response.BodyWriter, new JsonWriterOptions { Encoder = options.Encoder });
        writer.WriteStartObject();
        writer.WriteString("exportedAt", DateTimeOffset.UtcNow);
        writer.WriteStartArray("conversations");
        await foreach (var context in chat.ExportConversationsAsync(userId, http.RequestAborted))
        {
            JsonSerializer.Serialize(writer, ConversationView.From(context), options);
            writer.Flush();
            await response.BodyWriter.FlushAsync(http.RequestAborted);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.Flush();
        await response.BodyWriter.FlushAsync(http.RequestAborted);
    }

    /// <summary>Deletes all of the caller's conversations. Safe to repeat: a second call finishes what a failed one left.</summary>
    private static async Task<Ok<DeleteAllResult>> DeleteAllConversations(ClaimsPrincipal user, ChatService chat, CancellationToken cancellationToken) =>
        TypedResults.Ok(new DeleteAllResult(await chat.DeleteAllConversationsAsync(user.GetUserId(), cancellationToken)));

    /// <summary>
    /// The API's JSON settings, writing text as it is rather than as \u escapes: an export is a file people read. It is a
    /// download (Content-Disposition: attachment) of application/json, never rendered as HTML.
    /// </summary>
    private static JsonSerializerOptions ExportOptions(JsonOptions json) =>
        s_exportOptions ??= new JsonSerializerOptions(json.SerializerOptions) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static JsonSerializerOptions? s_exportOptions;
}

/// <summary>
/// A conversation as a Markdown document: its title, then each message under who wrote it and when (and, for an answer, which
/// model wrote it), with the user's feedback on an answer after it.
/// </summary>
internal static class ConversationMarkdown
{
    public static string Write(ConversationView conversation)
    {
        var markdown = new StringBuilder();
        markdown.Append("# ").AppendLine(string.IsNullOrWhiteSpace(conversation.Title) ? "New chat" : conversation.Title).AppendLine();
        markdown.Append(CultureInfo.InvariantCulture, $"Created {Time(conversation.CreatedAt)}, last activity {Time(conversation.UpdatedAt)}.").AppendLine();
        foreach (var message in conversation.Messages)
        {
            markdown.AppendLine().Append("## ").Append(message.Role == MessageRole.User ? "You" : "ChatBot");
            markdown.Append(" · ").Append(Time(message.CreatedAt));
            if (message.Role == MessageRole.Assistant && !string.IsNullOrEmpty(message.Model))
            {
                markdown.Append(" · ").Append(message.Model);
            }

            if (message.Status != MessageStatus.Complete)
            {
                markdown.Append(" · ").Append(message.Status == MessageStatus.Stopped ? "stopped" : "failed");
            }

            markdown.AppendLine().AppendLine().AppendLine(message.Content);
            if (message.Feedback is { } feedback)
            {
                markdown.AppendLine().Append("Feedback: ").Append(feedback.Rating == FeedbackRating.Up ? "up" : "down");
                if (!string.IsNullOrWhiteSpace(feedback.Comment))
                {
                    markdown.Append(" — ").Append(feedback.Comment);
                }

                markdown.AppendLine();
            }
        }

        return markdown.ToString();
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
