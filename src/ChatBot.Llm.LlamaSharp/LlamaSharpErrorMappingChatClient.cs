using System.Runtime.InteropServices;
using ChatBot.Core;
using LLama.Exceptions;
using LLama.Native;
using Microsoft.Extensions.AI;

namespace ChatBot.Llm.LlamaSharp;

/// <summary>
/// Turns the embedded model's failures (llama.cpp decode errors, LLamaSharp's exceptions, a request the window cannot hold)
/// into <see cref="ModelException"/>s, as the other backends do, so the API answers them as model failures, not as 500s.
/// </summary>
internal sealed class LlamaSharpErrorMappingChatClient(IChatClient innerClient) : ModelErrorMappingChatClient(innerClient)
{
    private static readonly TimeSpan BusyRetryAfter = TimeSpan.FromSeconds(2);

    protected override ModelException? Map(Exception exception) => exception switch
    {
        // No room left in the KV cache for this batch: the model is too busy right now, not broken.
        LLamaDecodeError { ReturnCode: DecodeResult.NoKvSlot } => new ModelException(
            ModelErrorKind.Unavailable, "The embedded model has no room for another answer right now.", BusyRetryAfter, exception),
        // The request asks for what this model cannot do, such as an answer budget larger than its context window.
        ArgumentException => new ModelException(
            ModelErrorKind.InvalidRequest, $"The embedded model cannot take this request: {exception.Message}", null, exception),
        RuntimeError or InvalidOperationException or ExternalException => new ModelException(
            ModelErrorKind.Failed, $"The embedded model failed while answering: {exception.Message}", null, exception),
        _ => null,
    };
}
