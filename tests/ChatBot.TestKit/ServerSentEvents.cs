using System.Runtime.CompilerServices;

namespace ChatBot.TestKit;

/// <summary>One Server-Sent Event: its <c>event:</c> name and its <c>data:</c> lines joined by newlines.</summary>
public sealed record ServerSentEvent(string Name, string Data);

/// <summary>Reads a <c>text/event-stream</c> body as a browser's EventSource would, for the tests and the benchmarks.</summary>
public static class ServerSentEvents
{
    /// <summary>Each named event as soon as its blank line arrives, until the server ends the stream.</summary>
    public static async IAsyncEnumerable<ServerSentEvent> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(stream);
        string? name = null;
        var data = new List<string>();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (name is not null)
                {
                    yield return new ServerSentEvent(name, string.Join('\n', data));
                }

                (name, data) = (null, []);
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data.Add(line["data: ".Length..]);
            }
        }
    }
}
