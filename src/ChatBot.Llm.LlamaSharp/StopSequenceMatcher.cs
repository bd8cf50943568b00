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
        {
            return "";
        }

        // Nothing to watch for (a model with a chat template, no stop sequences asked): every piece goes straight out.
        if (stopSequences.Count == 0)
        {
            return text;
        }

        _pending.Append(text);
        var pending = _pending.ToString();

        if (FirstCompletedStop(pending) is { } stopAt)
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

    // Generation stops as soon as any stop sequence is complete, so the one that ends first wins, whatever the size
    // of the pieces the text arrived in; of two ending at the same place, the longer one is cut.
    private int? FirstCompletedStop(string text) => stopSequences
        .Where(s => s.Length > 0)
        .Select(s => (Start: text.IndexOf(s, StringComparison.Ordinal), s.Length))
        .Where(m => m.Start >= 0)
        .OrderBy(m => m.Start + m.Length)
        .ThenBy(m => m.Start)
        .Select(m => (int?)m.Start)
        .FirstOrDefault();

    private static int LongestSuffixThatStarts(string text, string stop)
    {
        for (var length = Math.Min(text.Length, stop.Length - 1); length > 0; length--)
        {
            if (text.AsSpan(text.Length - length).SequenceEqual(stop.AsSpan(0, length)))
            {
                return length;
            }
        }
        return 0;
    }
}
