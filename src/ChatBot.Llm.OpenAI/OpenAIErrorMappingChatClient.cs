using System.Net;
using System.Text.Json;
using ChatBot.Core;
using Microsoft.Extensions.AI;

namespace ChatBot.Llm.OpenAI;

/// <summary>
/// Turns the OpenAI-compatible client's failures (<see cref="OpenAIServerException"/> with an HTTP status, network errors) into
/// <see cref="ModelException"/>s, so the API answers a busy or misconfigured model server the same way for every provider.
/// </summary>
internal sealed class OpenAIErrorMappingChatClient(IChatClient innerClient, Uri endpoint, string modelId) : ModelErrorMappingChatClient(innerClient)
{
    // The server's one model is the whole list (llm=fargate and llm=lambda serve one self-hosted model).
    private readonly ChatBot.Core.ModelCatalog _catalog = new([new ChatBot.Core.ModelInfo(modelId, modelId, "openai", null)]);

    public override object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(ChatBot.Core.ModelCatalog) ? _catalog : base.GetService(serviceType, serviceKey);

    private static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(5);

    protected override ModelException? Map(Exception exception) => exception switch
    {
        OpenAIServerException server => FromStatus(server),
        HttpRequestException or IOException => new ModelException(
            ModelErrorKind.Unavailable,
            $"Could not reach the model server at {endpoint}, or it dropped the connection: {exception.Message}",
            DefaultRetryAfter,
            exception),
        JsonException => new ModelException(
            ModelErrorKind.Failed, $"The model server at {endpoint} answered something that is not a chat completion: {exception.Message}", null, exception),
        // Not the caller's cancellation (the base lets that through): the client's own NetworkTimeout.
        OperationCanceledException => new ModelException(
            ModelErrorKind.Unavailable, $"The model server at {endpoint} did not answer in time (Llm:OpenAI:NetworkTimeout).", DefaultRetryAfter, exception),
        _ => null,
    };

    private ModelException FromStatus(OpenAIServerException exception)
    {
        var reason = exception.Message;
        var status = (int)exception.Status;
        return exception.Status switch
        {
            HttpStatusCode.TooManyRequests => new ModelException(
                ModelErrorKind.Throttled, $"The model server at {endpoint} is busy (HTTP 429): {reason}", exception.RetryAfter ?? DefaultRetryAfter, exception),
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new ModelException(
                ModelErrorKind.AccessDenied,
                $"The model server at {endpoint} refused ChatBot's credentials (HTTP {status}): {reason} Check Llm:OpenAI:ApiKey.",
                null,
                exception),
            HttpStatusCode.NotFound => new ModelException(
                ModelErrorKind.AccessDenied,
                $"The model server at {endpoint} has no model '{modelId}' or no chat completions API (HTTP 404): {reason} Check Llm:OpenAI:Endpoint (it usually ends in /v1) and Llm:OpenAI:ModelId.",
                null,
                exception),
            HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.UnprocessableEntity => new ModelException(
                ModelErrorKind.InvalidRequest, $"The model server refused the request: {reason}", null, exception),
            >= HttpStatusCode.InternalServerError => new ModelException(
                ModelErrorKind.Unavailable, $"The model server at {endpoint} failed (HTTP {status}): {reason}", exception.RetryAfter ?? DefaultRetryAfter, exception),
            _ => new ModelException(ModelErrorKind.Failed, $"The model server at {endpoint} answered HTTP {status}: {reason}", null, exception),
        };
    }
}
