using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace ChatBot.Api.Tests;

/// <summary>A model edge for the tests about what the API does when a model stalls, fails or is slow; the rest use the real model.</summary>
public sealed class ScriptedChatClient(params string[] pieces) : IChatClient
{
    public Exception? Failure { get; init; }

    /// <summary>How many pieces stream before <see cref="Failure"/> is thrown.</summary>
    public int FailAfter { get; init; }

    /// <summary>After the first piece, wait until cancelled, like a long answer the user stops.</summary>
    public bool StallAfterFirstPiece { get; init; }

    /// <summary>After the first piece, wait until this completes, like an answer still being written while the test acts.</summary>
    public TaskCompletionSource? HoldAfterFirstPiece { get; init; }

    public TaskCompletionSource FirstPieceSent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>What the model was asked, one prompt per call.</summary>
    public List<IReadOnlyList<ChatMessage>> Prompts { get; } = [];

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        lock (Prompts)
        {
            Prompts.Add(messages.ToList());
        }

        await Task.Yield();
        for (var i = 0; i < pieces.Length; i++)
        {
            if (Failure is not null && i == FailAfter)
            {
                throw Failure;
            }

            yield return new ChatResponseUpdate(ChatRole.Assistant, pieces[i]);
            if (i == 0)
            {
                FirstPieceSent.TrySetResult();
                if (HoldAfterFirstPiece is { } hold)
                {
                    await hold.Task.WaitAsync(cancellationToken);
                }

                if (StallAfterFirstPiece)
                {
                    try
                    {
                        await Task.Delay(Timeout.Infinite, cancellationToken);
                    }
                    finally
                    {
                        Cancelled.TrySetResult();
                    }
                }
            }
        }

        if (Failure is not null && FailAfter >= pieces.Length)
        {
            throw Failure;
        }

        yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(new UsageDetails { InputTokenCount = 3, OutputTokenCount = pieces.Length })]);
    }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
