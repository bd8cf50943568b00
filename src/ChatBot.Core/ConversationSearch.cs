using System.Text;

namespace ChatBot.Core;

/// <summary>
/// A search of one user's conversations: the words of the query, folded (lower case, accents removed), each matched as the
/// start of a word. A conversation matches when its title, or one of its messages, holds every word. Stores find the
/// candidates their own way (SQLite's FTS5 index, a read of the user's items on DynamoDB); this class is the one rule for
/// what matches and for the snippet shown, so both stores answer alike.
/// </summary>
public sealed class SearchQuery
{
    public const int MaxLength = 200;
    public const int MaxWords = 8;

    /// <summary>Characters of context either side of the first match in a snippet.</summary>
    private const int SnippetRadius = 60;

    private SearchQuery(IReadOnlyList<string> words)
    {
        Words = words;
    }

    /// <summary>The folded words, distinct, in the order given.</summary>
    public IReadOnlyList<string> Words { get; }

    /// <summary>The query's words, or null when it has none (only spaces or punctuation).</summary>
    public static SearchQuery? Parse(string text)
    {
        var words = Tokens(Fold(text).Text).Select(t => t.Word).Distinct(StringComparer.Ordinal).ToList();
        return words.Count == 0 ? null : new SearchQuery(words);
    }

    /// <summary>A snippet of <paramref name="text"/> around its first match with every match marked, or null when the text does not hold every word.</summary>
    public SearchSnippet? FindIn(string text)
    {
        var folded = Fold(text);
        var matches = new List<(int Start, int End)>();
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (start, word) in Tokens(folded.Text))
        {
            // The longest query word this text word starts with is the part marked.
            var hit = Words.Where(w => word.StartsWith(w, StringComparison.Ordinal)).OrderByDescending(w => w.Length).FirstOrDefault();
            if (hit is null)
            {
                continue;
            }

            foreach (var w in Words.Where(w => word.StartsWith(w, StringComparison.Ordinal)))
            {
                found.Add(w);
            }

            matches.Add((folded.Start[start], folded.End[start + hit.Length - 1]));
        }

        return found.Count == Words.Count ? Snippet(text, matches) : null;
    }

    /// <summary>The start of a text, when a store found it but the rule above sees no match (tokenizers differ at the edges).</summary>
    public static SearchSnippet Opening(string text) => Snippet(text, []);

    private static SearchSnippet Snippet(string text, List<(int Start, int End)> matches)
    {
        var first = matches.Count > 0 ? matches[0].Start : 0;
        var from = Math.Max(0, first - SnippetRadius);
        var to = Math.Min(text.Length, first + (2 * SnippetRadius));

        // Start and end on a space where one is near, and never inside a surrogate pair.
        if (from > 0 && text.LastIndexOf(' ', first, first - from) is var space and > 0)
        {
            from = space + 1;
        }

        if (to < text.Length && text.IndexOf(' ', Math.Max(first, to - 20), to - Math.Max(first, to - 20)) is var end and > 0)
        {
            to = end;
        }

        if (from > 0 && char.IsLowSurrogate(text[from]))
        {
            from++;
        }

        if (to < text.Length && to > 0 && char.IsHighSurrogate(text[to - 1]))
        {
            to--;
        }

        var prefix = from > 0 ? "…" : "";
        var body = text[from..to].Replace('\r', ' ').Replace('\n', ' ');
        var highlights = matches
            .Where(m => m.Start >= from && m.End <= to)
            .Select(m => new TextRange(prefix.Length + m.Start - from, m.End - m.Start))
            .ToList();
        return new SearchSnippet(prefix + body + (to < text.Length ? "…" : ""), highlights);
    }

    /// <summary>Words: runs of letters and digits in folded text, with where each starts.</summary>
    private static IEnumerable<(int Start, string Word)> Tokens(string folded)
    {
        var i = 0;
        while (i < folded.Length)
        {
            while (i < folded.Length && !char.IsLetterOrDigit(folded[i]))
            {
                i++;
            }

            var start = i;
            while (i < folded.Length && char.IsLetterOrDigit(folded[i]))
            {
                i++;
            }

            if (i > start)
            {
                yield return (start, folded[start..i]);
            }
        }
    }

    /// <summary>Lower case without accents (<see cref="SearchFolding"/>), with where each folded character came from in the original.</summary>
    private static (string Text, int[] Start, int[] End) Fold(string text)
    {
        var folded = new StringBuilder(text.Length);
        var starts = new List<int>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (SearchFolding.Fold(text[i]) is { } c)
            {
                folded.Append(c);
                starts.Add(i);
            }
        }

        var start = starts.ToArray();
        return (folded.ToString(), start, [.. start.Select(i => i + 1)]);
    }
}

/// <summary>Text around a match; <see cref="Highlights"/> are the matched parts, as offsets into <see cref="Text"/>.</summary>
public sealed record SearchSnippet(string Text, IReadOnlyList<TextRange> Highlights);

public sealed record TextRange(int Start, int Length);

/// <summary>A conversation that matched, and where: its title (no <see cref="MessageId"/>) or its first matching message.</summary>
public sealed record SearchHit(Conversation Conversation, SearchSnippet Snippet, string? MessageId);

/// <summary>Matches, newest activity first. <see cref="NextCursor"/> is opaque, as in a list page.</summary>
public sealed record SearchPage(IReadOnlyList<SearchHit> Items, string? NextCursor);
