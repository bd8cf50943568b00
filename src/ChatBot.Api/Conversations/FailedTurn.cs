using ChatBot.Api.Infrastructure;
using ChatBot.Core;
using Microsoft.AspNetCore.Mvc;

namespace ChatBot.Api.Conversations;

/// <summary>A turn whose answer failed: the same problem for a JSON answer and for the SSE <c>error</c> event.</summary>
public static class FailedTurn
{
    /// <summary>The failure's problem (ErrorMapping), with the stored failed answer as <c>assistant</c> so the client shows what was kept.</summary>
    public static ProblemDetails ToProblem(TurnUpdate.Failed failed, HttpContext http)
    {
        var problem = ErrorMapping.ToProblem(failed.Error, http);
        problem.Extensions["assistant"] = MessageView.From(failed.Answer);
        return problem;
    }
}
