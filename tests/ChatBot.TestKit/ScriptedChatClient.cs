using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace ChatBot.TestKit;

/// <summary>
/// A model that streams fixed pieces, then its token usage, and records what it was asked. For what the tiny real model
/// can't be made to do: a given answer, a failure part-way, a stall until the user stops, or a pace the test controls.
/// </summary>
public sealed class ScriptedChatClient(params string[] pieces) : IChatClient
{
    private int _calls;

    /// <summary>Thrown before piece <see cref="FailAfter"/> (or after the last piece when it is past the end).</summary>
    public Exception? Failure { get; init; }

    /// <summary>How many pieces stream before <see cref="Failure"/> is thrown.</summary>
    public int FailAfter { get; init; }

    /// <summary>The only call (1 for the first) that fails; null: every call fails.</summary>
    public int? FailOnCall { get; init; }

    /// <summary>After the first piece, wait until cancelled, like a long answer the user stops.</summary>
    public bool StallAfterFirstPiece { get; init; }

    /// <summary>After the first piece, wait until this completes, like an answer still being written while the test acts.</summary>
    public TaskCompletionSource? HoldAfterFirstPiece { get; init; }

    /// <summary>The wait before each piece, so a browser sees the answer stream.</summary>
    public TimeSpan PieceDelay { get; init; }

    /// <summary>When set, each piece waits for the test to release it, so the test sees the answer at a known point.</summary>
    public SemaphoreSlim? PieceGate { get; init; }

    /// <summary>The input tokens reported with each answer (the output tokens are the pieces).</summary>
    public int InputTokens { get; init; } = 3;

    public TaskCompletionSource FirstPieceSent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How many answers were asked for.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>What the model was asked, one prompt per call.</summary>
    public List<IReadOnlyList<ChatMessage>> Prompts { get; } = [];

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var call = Interlocked.Increment(ref _calls);
        lock (Prompts)
        {
            Prompts.Add(messages.ToList());
        }

        var failure = FailOnCall is null || FailOnCall == call ? Failure : null;
        await Task.Yield();
        for (var i = 0; i < pieces.Length; i++)
        {
            if (failure is not null && i == FailAfter)
            {
                throw failure;
            }

            if (PieceDelay > TimeSpan.Zero)
            {
                await Task.Delay(PieceDelay, cancellationToken);
            }

            if (PieceGate is { } gate)
            {
                await gate.WaitAsync(cancellationToken);
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

        if (failure is not null && FailAfter >= pieces.Length)
        {
            throw failure;
        }

        yield return new ChatResponseUpdate(
            ChatRole.Assistant, [new UsageContent(new UsageDetails { InputTokenCount = InputTokens, OutputTokenCount = pieces.Length })]);
    }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
