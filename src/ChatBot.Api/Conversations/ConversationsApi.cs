using System.Security.Claims;
using ChatBot.Api.Identity;
using ChatBot.Api.Infrastructure;
using ChatBot.Core;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ChatBot.Api.Conversations;

public static partial class ConversationsApi
{
    public static IEndpointRouteBuilder MapConversationsApi(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/api/health", HttpExtensions.GetAndHead, () => TypedResults.Ok(new HealthStatus("ok"))).AllowAnonymous();

        var conversations = app.MapGroup("/api/conversations").RequireAuthorization();
        conversations.MapMethods("/", HttpExtensions.GetAndHead, ListConversations);
        conversations.MapPost("/", CreateConversation);
        conversations.MapMethods("/{id}", HttpExtensions.GetAndHead, GetConversation);
        conversations.MapPatch("/{id}", RenameConversation);
        conversations.MapDelete("/{id}", DeleteConversation);
        conversations.MapPost("/{id}/messages", SendMessage);
        conversations.MapPost("/{id}/regenerate", Regenerate);

        // Search, export and delete-all: the user's conversations as a whole (ConversationsApi.UserData.cs).
        MapUserDataApi(conversations);

        // Anything else under /api is a JSON 405 or 404, never the web app's index.html.
        app.MapApiFallback("/api");
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

    /// <summary>Creates a conversation. The body is optional: none, or no title, leaves the title to the first message.</summary>
    private static async Task<Results<Created<ConversationSummary>, ProblemHttpResult>> CreateConversation(
        HttpContext http, ClaimsPrincipal user, ChatService chat, IOptions<ChatServiceOptions> options, CancellationToken cancellationToken)
    {
        var (request, unreadable) = await JsonBody.ReadAsync<CreateConversationRequest>(http);
        if ((unreadable ?? RequestValidation.Title(request?.Title, options.Value.MaxTitleLength, required: false)) is { } invalid)
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
        string id, HttpContext http, ClaimsPrincipal user, ChatService chat, IOptions<ChatServiceOptions> options, CancellationToken cancellationToken)
    {
        var (request, unreadable) = await JsonBody.ReadAsync<RenameConversationRequest>(http);
        if ((RequestValidation.ConversationId(id) ?? unreadable ?? RequestValidation.Title(request?.Title, options.Value.MaxTitleLength, required: true)) is { } invalid)
        {
            return invalid;
        }

        var renamed = await chat.RenameConversationAsync(user.GetUserId(), id, request!.Title!, cancellationToken);
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
    private static async Task<IResult> SendMessage(string id, HttpContext http, ChatService chat, IOptions<ChatServiceOptions> options)
    {
        var (request, unreadable) = await JsonBody.ReadAsync<SendMessageRequest>(http);
        if ((RequestValidation.ConversationId(id) ?? unreadable ?? RequestValidation.Message(request, options.Value.MaxMessageBytes)) is { } invalid)
        {
            return invalid;
        }

        var start = await chat.StartTurnAsync(http.User.GetUserId(), id, request!.Content!, request.ClientMessageId, http.RequestAborted);
        return await RespondAsync(start, http);
    }

    /// <summary>
    /// Answers the last question again; the new answer replaces the last one. Streams (or returns) exactly as a sent message
    /// does, with the question as the <c>user</c> event.
    /// </summary>
    private static async Task<IResult> Regenerate(string id, HttpContext http, ChatService chat)
    {
        if (RequestValidation.ConversationId(id) is { } invalid)
        {
            return invalid;
        }

        return await RespondAsync(await chat.StartRegenerateAsync(http.User.GetUserId(), id, http.RequestAborted), http);
    }

    private static async Task<IResult> RespondAsync(TurnStart start, HttpContext http)
    {
        var streaming = http.Request.Headers.Accept.Any(a => a?.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase) == true);
        return start switch
        {
            TurnStart.NotFound => RequestValidation.NotFound(),
            TurnStart.Replayed replay when streaming => new ServerSentEventsTurnResult(replay.UserMessage, replay: replay),
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
                    return new ProblemWithRetryAfter(FailedTurn.ToProblem(failed, http));
            }
        }

        throw new InvalidOperationException("A turn ended without a final update.");
    }
}
