using ChatBot.TestKit.OpenAI;

namespace ChatBot.Bench;

/// <summary>
/// The "instantly answering" model: the test kit's OpenAI-compatible fake, answering every call at once with the same
/// pieces. ChatBot has no built-in fake provider, so it reaches this one as it would reach llama-server (Llm:Provider=OpenAI).
/// </summary>
public sealed class InstantModel : IAsyncDisposable
{
    public const int Pieces = 16;

    private readonly FakeOpenAIServer _server;

    private InstantModel(FakeOpenAIServer server)
    {
        _server = server;
        server.Generate = (_, _) => Answer();
    }

    public static async Task<InstantModel> StartAsync() => new(await FakeOpenAIServer.StartAsync());

    public Uri Endpoint => _server.Endpoint;

    /// <summary>ChatBot's settings for this model.</summary>
    public IEnumerable<KeyValuePair<string, string>> Settings =>
    [
        new("Llm__Provider", "OpenAI"),
        new("Llm__OpenAI__Endpoint", Endpoint.ToString()),
        new("Llm__OpenAI__ModelId", "instant"),
        new("Llm__OpenAI__ApiKey", "bench"),
    ];

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private static async IAsyncEnumerable<string> Answer()
    {
        await Task.CompletedTask;
        for (var i = 0; i < Pieces; i++)
        {
            yield return i == 0 ? "Word" : " word";
        }
    }
}
