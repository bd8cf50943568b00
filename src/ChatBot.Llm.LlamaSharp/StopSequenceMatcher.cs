using System.Text;

namespace ChatBot.Llm.LlamaSharp;

// Cuts streamed text at the first stop sequence. Text that might be the start of a stop sequence is held back
// until the next piece shows whether it is, so a stop sequence never leaks to the client, even split over tokens.
internal sealed class StopSequenceMatcher(IReadOnlyList<string> stopSequences)
{
    private readonly StringBuilder _pending = new();

    public bool Stopped { get; private set; }

    // Takes the next piece of generated text and returns what can be sent now.
    public string Push(string text)
    {
        if (Stopped)
            return "";
        _pending.Append(text);
        var pending = _pending.ToString();

        var stopAt = stopSequences
            .Where(s => s.Length > 0)
            .Select(s => pending.IndexOf(s, StringComparison.Ordinal))
            .Where(i => i >= 0)
            .DefaultIfEmpty(-1)
            .Min();
        if (stopAt >= 0)
        {
            Stopped = true;
            _pending.Clear();
            return pending[..stopAt];
        }

        var held = stopSequences.Select(s => LongestSuffixThatStarts(pending, s)).DefaultIfEmpty(0).Max();
        _pending.Remove(0, pending.Length - held);
        return pending[..^held];
    }

    // What is still held back once generation has ended without a stop sequence.
    public string Flush()
    {
        var rest = _pending.ToString();
        _pending.Clear();
        return rest;
    }

    private static int LongestSuffixThatStarts(string text, string stop)
    {
        for (var length = Math.Min(text.Length, stop.Length - 1); length > 0; length--)
        {
            if (text.AsSpan(text.Length - length).SequenceEqual(stop.AsSpan(0, length)))
                return length;
        }
        return 0;
    }
}
