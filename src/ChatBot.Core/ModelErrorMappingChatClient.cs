using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace ChatBot.Core;

/// <summary>
/// The base of every model adapter's error mapping. Whatever its client throws, the rest of the app sees a
/// <see cref="ModelException"/>, a <see cref="PromptTooLongException"/> or the cancellation it asked for, so the API answers
/// a failing model the same way for every provider. Each adapter says how its own failures map (<see cref="Map"/>).
/// </summary>
public abstract class ModelErrorMappingChatClient(IChatClient innerClient) : DelegatingChatClient(innerClient)
{
    /// <summary>The <see cref="ModelException"/> for a failure of the inner client; null lets it through unchanged.</summary>
    protected abstract ModelException? Map(Exception exception);

    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken);
        }
        catch (Exception ex) when (MapUnlessExpected(ex, cancellationToken) is { } mapped)
        {
            throw mapped;
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await updates.MoveNextAsync())
                {
                    yield break;
                }
            }
            catch (Exception ex) when (MapUnlessExpected(ex, cancellationToken) is { } mapped)
            {
                throw mapped;
            }

            yield return updates.Current;
        }
    }

    /// <summary>The inner client's prompt check, if it has one, with its failures mapped the same way.</summary>
    public override object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(IPromptFitCheck) && serviceKey is null
            ? InnerClient.GetService(serviceType) is IPromptFitCheck check ? new MappedPromptFitCheck(check, this) : null
            : base.GetService(serviceType, serviceKey);

    private ModelException? MapUnlessExpected(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        ModelException or PromptTooLongException => null,
        OperationCanceledException when cancellationToken.IsCancellationRequested => null,
        _ => Map(exception),
    };

    private sealed class MappedPromptFitCheck(IPromptFitCheck inner, ModelErrorMappingChatClient mapping) : IPromptFitCheck
    {
        public async ValueTask EnsureFitsAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
        {
            try
            {
                await inner.EnsureFitsAsync(messages, options, cancellationToken);
            }
            catch (Exception ex) when (mapping.MapUnlessExpected(ex, cancellationToken) is { } mapped)
            {
                throw mapped;
            }
        }
    }
}
