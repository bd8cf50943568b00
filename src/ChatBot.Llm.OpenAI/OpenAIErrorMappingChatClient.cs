using System.ClientModel;
using System.Globalization;
using System.Net;
using System.Text.Json;
using ChatBot.Core;
using Microsoft.Extensions.AI;

namespace ChatBot.Llm.OpenAI;

/// <summary>
/// Turns the OpenAI client's failures (<see cref="ClientResultException"/> with an HTTP status, network errors) into
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
        ClientResultException { Status: > 0 } result => FromStatus(result),
        ClientResultException or HttpRequestException or IOException => new ModelException(
            ModelErrorKind.Unavailable,
            $"Could not reach the model server at {endpoint}, or it dropped the connection: {exception.Message}",
            DefaultRetryAfter,
            exception),
        // Not the caller's cancellation (the base lets that through): the client's own NetworkTimeout.
        OperationCanceledException => new ModelException(
            ModelErrorKind.Unavailable, $"The model server at {endpoint} did not answer in time (Llm:OpenAI:NetworkTimeout).", DefaultRetryAfter, exception),
        _ => null,
    };

    private ModelException FromStatus(ClientResultException exception)
    {
        var response = exception.GetRawResponse();
        var reason = ErrorMessage(response?.Content) ?? exception.Message;
        var status = (HttpStatusCode)exception.Status;
        return status switch
        {
            HttpStatusCode.TooManyRequests => new ModelException(
                ModelErrorKind.Throttled, $"The model server at {endpoint} is busy (HTTP 429): {reason}", RetryAfter(response) ?? DefaultRetryAfter, exception),
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new ModelException(
                ModelErrorKind.AccessDenied,
                $"The model server at {endpoint} refused ChatBot's credentials (HTTP {exception.Status}): {reason} Check Llm:OpenAI:ApiKey.",
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
                ModelErrorKind.Unavailable, $"The model server at {endpoint} failed (HTTP {exception.Status}): {reason}", RetryAfter(response) ?? DefaultRetryAfter, exception),
            _ => new ModelException(ModelErrorKind.Failed, $"The model server at {endpoint} answered HTTP {exception.Status}: {reason}", null, exception),
        };
    }

    private static TimeSpan? RetryAfter(System.ClientModel.Primitives.PipelineResponse? response) =>
        response is not null
        && response.Headers.TryGetValue("Retry-After", out var value)
        && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : null;

    /// <summary>OpenAI-style servers answer errors as <c>{"error": {"message": "..."}}</c>.</summary>
    private static string? ErrorMessage(BinaryData? content)
    {
        if (content is null || content.IsEmpty)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(content);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.Object
                && error.TryGetProperty("message", out var message)
                && message.ValueKind == JsonValueKind.String
                    ? message.GetString()
                    : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
