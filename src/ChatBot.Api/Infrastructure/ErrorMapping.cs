using ChatBot.Core;
using Microsoft.AspNetCore.Mvc;

namespace ChatBot.Api.Infrastructure;

/// <summary>The one place that turns a known failure into a status code and advice, for plain responses and SSE error events alike.</summary>
public static class ErrorMapping
{
    public static ProblemDetails ToProblem(Exception exception) => exception switch
    {
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } large => Problem(large.StatusCode, "The request is too large.", large.Message),
        BadHttpRequestException bad => Problem(bad.StatusCode, "The request is malformed.", DescribeBadRequest(bad)),
        InvalidCursorException cursor => Problem(StatusCodes.Status400BadRequest, "The cursor is not valid.", cursor.Message),
        TurnInProgressException busy => Problem(StatusCodes.Status409Conflict, "An answer is still being written.", busy.Message),
        NothingToRegenerateException nothing => Problem(StatusCodes.Status409Conflict, "There is nothing to regenerate.", nothing.Message),
        ConversationDeletedException deleted => Problem(StatusCodes.Status404NotFound, "Conversation not found.", deleted.Message),
        PromptTooLongException tooLong => TooLong(tooLong),
        StoreUnavailableException store => Problem(
            StatusCodes.Status503ServiceUnavailable, "Storage is unavailable.", store.Message + " Nothing was lost; try again shortly.", TimeSpan.FromSeconds(2)),
        ModelException model => model.Kind switch
        {
            ModelErrorKind.Throttled => Problem(StatusCodes.Status429TooManyRequests, "The model is busy.", model.Message, model.RetryAfter ?? TimeSpan.FromSeconds(5)),
            ModelErrorKind.Unavailable => Problem(StatusCodes.Status503ServiceUnavailable, "The model is unavailable.", model.Message, model.RetryAfter ?? TimeSpan.FromSeconds(5)),
            ModelErrorKind.AccessDenied => Problem(StatusCodes.Status503ServiceUnavailable, "The model cannot be used by this deployment.", model.Message),
            ModelErrorKind.InvalidRequest => Problem(StatusCodes.Status422UnprocessableEntity, "The model refused the request.", model.Message),
            _ => Problem(StatusCodes.Status502BadGateway, "The model failed.", model.Message),
        },
        _ => Problem(StatusCodes.Status500InternalServerError, "Something went wrong.", "An unexpected error occurred. It has been logged."),
    };

    private static ProblemDetails TooLong(PromptTooLongException exception)
    {
        var problem = Problem(StatusCodes.Status422UnprocessableEntity, "The message does not fit the model.", exception.Message);
        problem.Extensions["neededTokens"] = exception.NeededTokens;
        problem.Extensions["availableTokens"] = exception.AvailableTokens;
        return problem;
    }

    /// <summary>The Retry-After value carried in a problem's extensions, if any.</summary>
    public static int? RetryAfterSeconds(ProblemDetails problem) =>
        problem.Extensions.TryGetValue("retryAfter", out var value) && value is int seconds ? seconds : null;

    public static ProblemDetails Problem(int status, string title, string detail, TimeSpan? retryAfter = null)
    {
        var problem = new ProblemDetails
        {
            Status = status,
            Title = title,
            Detail = detail,
            Type = $"https://httpstatuses.io/{status}",
        };
        if (retryAfter is { } delay)
        {
            problem.Extensions["retryAfter"] = (int)Math.Ceiling(delay.TotalSeconds);
        }

        return problem;
    }

    private static string DescribeBadRequest(BadHttpRequestException exception)
    {
        // The JSON reader's message names the path and position of the fault, which is what a client developer needs.
        var json = exception.InnerException as System.Text.Json.JsonException;
        return json is null ? exception.Message : $"{exception.Message} {json.Message}";
    }
}
