using Microsoft.Extensions.AI;

namespace ChatBot.E2E.Tests;

/// <summary>
/// How the browser tests script a model (<see cref="ScriptedChatClient"/>), for what the tiny real model can't be made to
/// say: a payload, a long Markdown answer, or an answer that stalls until the user stops it.
/// </summary>
public static class ScriptedModels
{
    /// <summary>The wait before each piece, so the browser sees the answer stream.</summary>
    public static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(20);

    /// <summary>What a model outage part-way through an answer throws.</summary>
    public static ChatBot.Core.ModelException Outage() => new(ChatBot.Core.ModelErrorKind.Unavailable, "The scripted model went away.");
}

/// <summary>
/// The model edge, per user: a user with a script gets it (<see cref="ScriptedModels"/>), everyone else the real model. Each
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
