using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace ChatBot.E2E.Tests;

/// <summary>
/// A model that answers with fixed pieces, a little apart so the browser sees them stream. For what the tiny real model
/// can't be made to say: a payload, a long Markdown answer, or an answer that stalls until the user stops it.
/// </summary>
public sealed class ScriptedModel(params string[] pieces) : IChatClient
{
    private int _calls;

    /// <summary>After the first piece, wait until the request is cancelled, like a long answer the user stops.</summary>
    public bool StallAfterFirstPiece { get; init; }

    /// <summary>The call (1 for the first) that breaks off with an error after its first piece, like a model outage.</summary>
    public int? FailOnCall { get; init; }

    public TimeSpan PieceDelay { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>When set, each piece waits for the test to release it, so the test sees the answer at a known point.</summary>
    public SemaphoreSlim? PieceGate { get; init; }

    public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How many answers were asked for.</summary>
    public int Calls => Volatile.Read(ref _calls);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var call = Interlocked.Increment(ref _calls);
        for (var i = 0; i < pieces.Length; i++)
        {
            await Task.Delay(PieceDelay, cancellationToken);
            if (PieceGate is { } gate)
            {
                await gate.WaitAsync(cancellationToken);
            }

            yield return new ChatResponseUpdate(ChatRole.Assistant, pieces[i]);
            if (i == 0 && call == FailOnCall)
            {
                throw new ChatBot.Core.ModelException(ChatBot.Core.ModelErrorKind.Unavailable, "The scripted model went away.");
            }

            if (i == 0 && StallAfterFirstPiece)
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

        yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(new UsageDetails { InputTokenCount = 3, OutputTokenCount = pieces.Length })]);
    }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}

/// <summary>
/// The model edge, per user: a user with a script gets the <see cref="ScriptedModel"/>, everyone else the real model. Each
/// test has its own user, so one app serves every test.
/// </summary>
public sealed class ModelsByUser(IChatClient realModel, Microsoft.AspNetCore.Http.IHttpContextAccessor http, ModelScripts scripts) : DelegatingChatClient(realModel)
{
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Pick().GetStreamingResponseAsync(messages, options, cancellationToken);

    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Pick().GetResponseAsync(messages, options, cancellationToken);

    private IChatClient Pick() =>
        http.HttpContext?.User.FindFirst("sub")?.Value is { } user && scripts.For(user) is { } scripted ? scripted : InnerClient;
}

public sealed class ModelScripts
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, IChatClient> _byUser = new();

    public void Set(string user, IChatClient model) => _byUser[user] = model;

    public IChatClient? For(string user) => _byUser.GetValueOrDefault(user);
}
