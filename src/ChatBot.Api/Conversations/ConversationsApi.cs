using System.Security.Claims;
using ChatBot.Api.Identity;
using ChatBot.Api.Infrastructure;
using ChatBot.Core;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ChatBot.Api.Conversations;

public static class ConversationsApi
{
    public static IEndpointRouteBuilder MapConversationsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/health", () => TypedResults.Ok(new { status = "ok" })).AllowAnonymous();

        var conversations = app.MapGroup("/api/conversations").RequireAuthorization();
        conversations.MapGet("/", ListConversations);
        conversations.MapPost("/", CreateConversation);
        conversations.MapGet("/{id}", GetConversation);
        conversations.MapPatch("/{id}", RenameConversation);
        conversations.MapDelete("/{id}", DeleteConversation);
        conversations.MapPost("/{id}/messages", SendMessage);

        // Anything else under /api is a JSON 404, never the web app's index.html.
        app.Map("/api/{**path}", () => TypedResults.Problem(
            ErrorMapping.Problem(StatusCodes.Status404NotFound, "Not found.", "There is no such API route.")));
        return app;
    }

    private static async Task<Results<Ok<ConversationList>, ProblemHttpResult>> ListConversations(
        int? limit, string? cursor, ClaimsPrincipal user, ChatService chat, CancellationToken cancellationToken)
    {
        if (RequestValidation.PageSize(limit) is { } invalid)
        {
            return invalid;
        }

        var page = await chat.ListConversationsAsync(
            user.GetUserId(), limit ?? RequestValidation.DefaultPageSize, string.IsNullOrEmpty(cursor) ? null : cursor, cancellationToken);
        return TypedResults.Ok(new ConversationList(page.Items.Select(ConversationSummary.From).ToArray(), page.NextCursor));
    }

    private static async Task<Results<Created<ConversationSummary>, ProblemHttpResult>> CreateConversation(
        CreateConversationRequest? request, ClaimsPrincipal user, ChatService chat, IOptions<ChatOptions> options, CancellationToken cancellationToken)
    {
        if (RequestValidation.Title(request?.Title, options.Value.MaxTitleLength, required: false) is { } invalid)
        {
            return invalid;
        }

        var conversation = await chat.CreateConversationAsync(user.GetUserId(), request?.Title, cancellationToken);
        return TypedResults.Created($"/api/conversations/{conversation.Id}", ConversationSummary.From(conversation));
    }

    private static async Task<Results<Ok<ConversationView>, ProblemHttpResult>> GetConversation(
        string id, ClaimsPrincipal user, ChatService chat, CancellationToken cancellationToken)
    {
        if (RequestValidation.ConversationId(id) is { } invalid)
        {
            return invalid;
        }

        var context = await chat.GetConversationAsync(user.GetUserId(), id, cancellationToken);
        return context is null ? RequestValidation.NotFound() : TypedResults.Ok(ConversationView.From(context));
    }

    private static async Task<Results<Ok<ConversationSummary>, ProblemHttpResult>> RenameConversation(
        string id, RenameConversationRequest request, ClaimsPrincipal user, ChatService chat, IOptions<ChatOptions> options, CancellationToken cancellationToken)
    {
        if ((RequestValidation.ConversationId(id) ?? RequestValidation.Title(request.Title, options.Value.MaxTitleLength, required: true)) is { } invalid)
        {
            return invalid;
        }

        var renamed = await chat.RenameConversationAsync(user.GetUserId(), id, request.Title!, cancellationToken);
        return renamed is null ? RequestValidation.NotFound() : TypedResults.Ok(ConversationSummary.From(renamed));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteConversation(
        string id, ClaimsPrincipal user, ChatService chat, CancellationToken cancellationToken)
    {
        if (RequestValidation.ConversationId(id) is { } invalid)
        {
            return invalid;
        }

        return await chat.DeleteConversationAsync(user.GetUserId(), id, cancellationToken)
            ? TypedResults.NoContent()
            : RequestValidation.NotFound();
    }

    /// <summary>
    /// Sends a message. With Accept: text/event-stream the answer streams as SSE (user, delta…, done | error); otherwise the
    /// whole turn returns as JSON. Either way, a client that goes away stops the model and the partial answer is kept.
    /// </summary>
    private static async Task<IResult> SendMessage(
        string id, SendMessageRequest request, HttpContext http, ChatService chat, IOptions<ChatOptions> options)
    {
        if ((RequestValidation.ConversationId(id) ?? RequestValidation.Message(request, options.Value.MaxMessageBytes)) is { } invalid)
        {
            return invalid;
        }

        var start = await chat.StartTurnAsync(http.User.GetUserId(), id, request.Content!, request.ClientMessageId, http.RequestAborted);
        var streaming = http.Request.Headers.Accept.Any(a => a?.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase) == true);
        return start switch
        {
            TurnStart.NotFound => RequestValidation.NotFound(),
            TurnStart.Replayed replay when streaming => new ServerSentEventsTurnResult(replay.UserMessage, replay: replay.Answer),
            TurnStart.Replayed replay => TypedResults.Ok(new TurnResult(MessageView.From(replay.UserMessage), MessageView.From(replay.Answer))),
            TurnStart.Started started when streaming => new ServerSentEventsTurnResult(started.Turn.UserMessage, turn: started.Turn),
            TurnStart.Started started => await CompleteTurnAsync(started.Turn, http),
            _ => throw new InvalidOperationException($"Unknown turn start {start.GetType().Name}."),
        };
    }

    private static async Task<IResult> CompleteTurnAsync(ChatTurn turn, HttpContext http)
    {
        await foreach (var update in turn.StreamAsync(http.RequestAborted))
        {
            switch (update)
            {
                case TurnUpdate.Completed completed:
                    return TypedResults.Ok(new TurnResult(MessageView.From(turn.UserMessage), MessageView.From(completed.Answer)));
                case TurnUpdate.Failed failed:
                    var problem = ErrorMapping.ToProblem(failed.Error, http);
                    problem.Extensions["assistant"] = MessageView.From(failed.Answer);
                    return new ProblemWithRetryAfter(problem);
            }
        }

        throw new InvalidOperationException("A turn ended without a final update.");
    }
}
