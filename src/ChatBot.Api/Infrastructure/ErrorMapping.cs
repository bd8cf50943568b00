using System.Diagnostics;
using System.Text.RegularExpressions;
using ChatBot.Core;
using ChatBot.Core.Usage;
using Microsoft.AspNetCore.Mvc;

namespace ChatBot.Api.Infrastructure;

/// <summary>
/// The one place that turns a known failure into a status code and advice, for plain responses and SSE error events alike.
/// A detail is written here for the person using the app and never repeats an exception's own text, which can carry a
/// file path, an endpoint, an ARN or account id, or a .NET type name. The full text goes to the log under the request's
/// trace id, which every problem carries (<c>traceId</c>), so an operator can find it.
/// </summary>
public static partial class ErrorMapping
{
    public static ProblemDetails ToProblem(Exception exception) => exception switch
    {
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => Problem(
            StatusCodes.Status413PayloadTooLarge, "The request is too large.", DefaultDetail(StatusCodes.Status413PayloadTooLarge)),
        BadHttpRequestException bad => Problem(bad.StatusCode, "The request is malformed.", DescribeBadRequest(bad)),
        InvalidCursorException => Problem(StatusCodes.Status400BadRequest, "The cursor is not valid.",
            "The list position (cursor) is not one this server issued, or it has expired. List again from the start."),
        TurnInProgressException => Problem(StatusCodes.Status409Conflict, "An answer is still being written.",
            "An answer is still being written in this conversation. Wait for it to finish, or stop it, then send again."),
        NothingToRegenerateException => Problem(StatusCodes.Status409Conflict, "There is nothing to regenerate.",
            "This conversation has no message to answer again. Send one first."),
        ConversationDeletedException => Problem(StatusCodes.Status404NotFound, "Conversation not found.",
            "The conversation was deleted while this answer was being written; nothing of it was kept."),
        PromptTooLongException tooLong => TooLong(tooLong),
        UsageLimitException limit => LimitReached(limit),
        StoreUnavailableException => Problem(
            StatusCodes.Status503ServiceUnavailable, "Storage is unavailable.", "Nothing was lost; try again shortly.", TimeSpan.FromSeconds(2)),
        ModelException model => model.Kind switch
        {
            ModelErrorKind.Throttled => Problem(StatusCodes.Status429TooManyRequests, "The model is busy.",
                "The model is answering too many requests right now.", model.RetryAfter ?? TimeSpan.FromSeconds(5)),
            ModelErrorKind.Unavailable => Problem(StatusCodes.Status503ServiceUnavailable, "The model is unavailable.",
                "The model did not answer. Try again shortly.", model.RetryAfter ?? TimeSpan.FromSeconds(5)),
            ModelErrorKind.AccessDenied => Problem(StatusCodes.Status503ServiceUnavailable, "The model cannot be used by this deployment.",
                "This deployment is not allowed to use its model. An operator can find the cause in the log under this trace id."),
            ModelErrorKind.InvalidRequest => Problem(StatusCodes.Status422UnprocessableEntity, "The model refused the request.",
                "The model could not take this conversation as it is, for example because it is too long. Start a new conversation or shorten the message."),
            _ => Problem(StatusCodes.Status502BadGateway, "The model failed.", "The model failed while answering. Try again."),
        },
        _ => Problem(StatusCodes.Status500InternalServerError, "Something went wrong.", "An unexpected error occurred. It has been logged under this trace id."),
    };

    /// <summary>
    /// <see cref="ToProblem(Exception)"/> for a request: the problem carries the request's trace id, and the log gets the
    /// exception's full text under that id (errors for 5xx, information for the client's own mistakes).
    /// </summary>
    public static ProblemDetails ToProblem(Exception exception, HttpContext http)
    {
        var problem = ToProblem(exception);
        var traceId = Activity.Current?.Id ?? http.TraceIdentifier;
        problem.Extensions["traceId"] = traceId;
        var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ErrorMapping));
        if (problem.Status >= 500)
        {
            LogServerFailure(logger, exception, problem.Status ?? 500, http.Request.Method, http.Request.Path, traceId);
        }
        else
        {
            LogClientFailure(logger, exception, problem.Status ?? 400, http.Request.Method, http.Request.Path, traceId);
        }

        return problem;
    }

    /// <summary>The numbers are the backend's own count, safe to show, and what a person needs to shorten the message.</summary>
    private static ProblemDetails TooLong(PromptTooLongException exception)
    {
        var problem = Problem(StatusCodes.Status422UnprocessableEntity, "The message does not fit the model.", exception.Message);
        problem.Extensions["neededTokens"] = exception.NeededTokens;
        problem.Extensions["availableTokens"] = exception.AvailableTokens;
        return problem;
    }

    /// <summary>The limit by name (as the configuration and the web app name it), its value for this user, and when it resets.</summary>
    private static ProblemDetails LimitReached(UsageLimitException exception)
    {
        var problem = Problem(StatusCodes.Status429TooManyRequests, "You have reached a usage limit.", exception.Message, exception.RetryAfter);
        problem.Extensions["limit"] = exception.LimitName;
        problem.Extensions["limitValue"] = exception.Value;
        problem.Extensions["resetsAt"] = exception.ResetsAt;
        return problem;
    }

    /// <summary>The Retry-After value carried in a problem's extensions, if any.</summary>
    private static int? RetryAfterSeconds(ProblemDetails problem) =>
        problem.Extensions.TryGetValue("retryAfter", out var value) && value is int seconds ? seconds : null;

    /// <summary>Sets the Retry-After header of a response that answers with <paramref name="problem"/>, when it carries one.</summary>
    public static void SetRetryAfter(HttpResponse response, ProblemDetails problem)
    {
        if (RetryAfterSeconds(problem) is { } seconds)
        {
            response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

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

    /// <summary>The detail of a problem that was raised with none (a bare status code from the framework).</summary>
    public static string DefaultDetail(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "The request is malformed or not allowed here.",
        StatusCodes.Status401Unauthorized => "Sign in, then try again.",
        StatusCodes.Status403Forbidden => "You don't have access to this.",
        StatusCodes.Status404NotFound => "There is nothing at this address.",
        StatusCodes.Status405MethodNotAllowed => "This address does not accept that method.",
        StatusCodes.Status413PayloadTooLarge => "The request is too large.",
        StatusCodes.Status415UnsupportedMediaType => "Send the body as application/json.",
        >= 500 => "An unexpected error occurred. It has been logged under this trace id.",
        _ => "The request could not be completed.",
    };

    /// <summary>
    /// What was wrong, in the request's own terms (a JSON path, a parameter name), without the framework's text, which
    /// names .NET types and echoes values.
    /// </summary>
    private static string DescribeBadRequest(BadHttpRequestException exception)
    {
        if (exception.InnerException is System.Text.Json.JsonException json)
        {
            return json.Path is { } path && JsonPath().IsMatch(path)
                ? $"The JSON body is not valid at {path}: check that value's type."
                : "The body is not valid JSON of the expected shape.";
        }

        if (BoundParameter().Match(exception.Message) is { Success: true } parameter)
        {
            return $"The value of '{parameter.Groups["name"].Value}' is not valid.";
        }

        return exception.StatusCode == StatusCodes.Status400BadRequest
            ? "The request body is missing or is not JSON of the expected shape."
            : DefaultDetail(exception.StatusCode);
    }

    /// <summary>A JSON path made only of plain property names and indexes, safe to echo.</summary>
    [GeneratedRegex(@"^\$(\.[A-Za-z0-9_]{1,64}|\[\d{1,6}\]){0,8}$")]
    private static partial Regex JsonPath();

    /// <summary>The framework's "Failed to bind parameter "Nullable&lt;int&gt; limit" from "x"": only the name is kept.</summary>
    [GeneratedRegex("^Failed to bind parameter \"[^\"]* (?<name>[A-Za-z0-9_]{1,64})\" from ")]
    private static partial Regex BoundParameter();

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed with {Status} (trace {TraceId})")]
    private static partial void LogServerFailure(ILogger logger, Exception exception, int status, string method, PathString path, string traceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} refused with {Status} (trace {TraceId})")]
    private static partial void LogClientFailure(ILogger logger, Exception exception, int status, string method, PathString path, string traceId);
}
