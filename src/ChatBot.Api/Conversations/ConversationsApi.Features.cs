using System.Security.Claims;
using ChatBot.Api.Identity;
using ChatBot.Api.Infrastructure;
using ChatBot.Core;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ChatBot.Api.Conversations;

// Model choice, custom instructions, edit, continue and feedback.
public static partial class ConversationsApi
{
    private static Ok<ModelList> ListModels(ChatService chat) =>
        TypedResults.Ok(new ModelList(chat.Models.Models.Select(m => ModelView.From(m, chat.Models)).ToArray(), chat.Models.Default.Id));

    /// <summary>
    /// Continues the last answer where it was cut off (finish reason <c>length</c>). Streams (or returns) as a sent message
    /// does; the deltas are the new text, and <c>done</c> carries the whole, extended answer under its own id.
    /// </summary>
    private static async Task<IResult> Continue(string id, HttpContext http, ChatService chat)
    {
        if (RequestValidation.ConversationId(id) is { } invalid)
        {
            return invalid;
        }

        return await RespondAsync(await chat.StartContinueAsync(http.User.GetUserId(), id, http.RequestAborted), http);
    }

    /// <summary>
    /// Replaces the conversation's last question and answers it again: the last turn is replaced, not repeated. Streams (or
    /// returns) as a sent message does, with the edited question as the <c>user</c> event.
    /// </summary>
    private static async Task<IResult> EditMessage(string id, string messageId, HttpContext http, ChatService chat, IOptions<ChatServiceOptions> options)
    {
        var (request, unreadable) = await JsonBody.ReadAsync<EditMessageRequest>(http);
        if ((RequestValidation.ConversationId(id) ?? RequestValidation.MessageId(messageId) ?? unreadable
            ?? RequestValidation.Content(request?.Content, options.Value.MaxMessageBytes) ?? RequestValidation.Model(request!.Model, chat.Models)) is { } invalid)
        {
            return invalid;
        }

        return await RespondAsync(
            await chat.StartEditAsync(http.User.GetUserId(), id, messageId, request!.Content!, request.Model, http.RequestAborted), http);
    }

    private static async Task<Results<Ok<MessageView>, ProblemHttpResult>> SetFeedback(
        string id, string messageId, HttpContext http, ClaimsPrincipal user, ChatService chat, CancellationToken cancellationToken)
    {
        var (request, unreadable) = await JsonBody.ReadAsync<FeedbackRequest>(http);
        var rating = FeedbackRating.Up;
        if ((RequestValidation.ConversationId(id) ?? RequestValidation.MessageId(messageId) ?? unreadable
            ?? RequestValidation.Feedback(request, out rating)) is { } invalid)
        {
            return invalid;
        }

        var updated = await chat.SetFeedbackAsync(user.GetUserId(), id, messageId, rating, request!.Comment, cancellationToken);
        return updated is null ? RequestValidation.MessageNotFound() : TypedResults.Ok(MessageView.From(updated));
    }

    private static async Task<Results<Ok<MessageView>, ProblemHttpResult>> ClearFeedback(
        string id, string messageId, ClaimsPrincipal user, ChatService chat, CancellationToken cancellationToken)
    {
        if ((RequestValidation.ConversationId(id) ?? RequestValidation.MessageId(messageId)) is { } invalid)
        {
            return invalid;
        }

        var updated = await chat.SetFeedbackAsync(user.GetUserId(), id, messageId, rating: null, comment: null, cancellationToken);
        return updated is null ? RequestValidation.MessageNotFound() : TypedResults.Ok(MessageView.From(updated));
    }

    private static async Task<Ok<UserSettingsView>> GetSettings(ClaimsPrincipal user, ChatService chat, CancellationToken cancellationToken) =>
        TypedResults.Ok(new UserSettingsView((await chat.GetUserSettingsAsync(user.GetUserId(), cancellationToken)).Instructions));

    /// <summary>Replaces the user's settings; <c>instructions</c> empty or left out removes the default instructions.</summary>
    private static async Task<Results<Ok<UserSettingsView>, ProblemHttpResult>> SaveSettings(
        HttpContext http, ClaimsPrincipal user, ChatService chat, CancellationToken cancellationToken)
    {
        var (request, unreadable) = await JsonBody.ReadAsync<UserSettingsView>(http);
        if ((unreadable ?? (request is null
            ? RequestValidation.BadRequest("The settings are missing.", "Send a JSON body such as {\"instructions\": \"...\"}.")
            : RequestValidation.Instructions(request.Instructions))) is { } invalid)
        {
            return invalid;
        }

        var saved = await chat.SaveUserSettingsAsync(user.GetUserId(), new UserSettings(request!.Instructions), cancellationToken);
        return TypedResults.Ok(new UserSettingsView(saved.Instructions));
    }
}
