namespace ChatBot.Core;

public static class Titles
{
    private const int DefaultTitleLength = 60;

    /// <summary>
    /// A title is one line of plain text. Line breaks, tabs and the Unicode line and paragraph separators become spaces; other
    /// control characters, bidirectional overrides, embeddings, isolates and marks, invisible separators (zero-width space, word
    /// joiner, byte order mark) and unpaired surrogates are removed; spaces are collapsed and trimmed. Zero-width joiners and
    /// non-joiners stay: emoji sequences and several scripts need them.
    /// </summary>
    public static string Clean(string title)
    {
        var clean = new System.Text.StringBuilder(title.Length);
        for (var i = 0; i < title.Length; i++)
        {
            var c = title[i];
            if (char.IsHighSurrogate(c) && i + 1 < title.Length && char.IsLowSurrogate(title[i + 1]))
            {
                clean.Append(c).Append(title[++i]);
                continue;
            }

            if (c is '\t' or '\r' or '\n' or '\u2028' or '\u2029' || char.IsWhiteSpace(c))
            {
                if (clean.Length > 0 && clean[^1] != ' ')
                {
                    clean.Append(' ');
                }

                continue;
            }

            if (char.IsControl(c) || char.IsSurrogate(c) || IsInvisibleFormat(c))
            {
                continue;
            }

            clean.Append(c);
        }

        return clean.ToString().Trim();
    }

    private static bool IsInvisibleFormat(char c) => c is
        '\u200B' or '\u200E' or '\u200F' or '\u061C' or '\u180E' or '\u2060' or '\uFEFF'
        or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');

    /// <summary>The default title: the first line of the first message, cut at a word boundary near 60 characters.</summary>
    public static string FromFirstMessage(string content)
    {
        var line = content.AsSpan().Trim();
        var newline = line.IndexOfAny('\r', '\n');
        if (newline >= 0)
        {
            line = line[..newline].TrimEnd();
        }

        line = Clean(line.ToString()).AsSpan();

        if (line.Length <= DefaultTitleLength)
        {
            return line.ToString();
        }

        var cut = line[..DefaultTitleLength];
        var space = cut.LastIndexOf(' ');
        if (space > DefaultTitleLength / 2)
        {
            cut = cut[..space];
        }

        // Never leave half of a surrogate pair (an emoji) at the end.
        if (char.IsHighSurrogate(cut[^1]))
        {
            cut = cut[..^1];
        }

        return string.Concat(cut.TrimEnd(), "…");
    }
}
