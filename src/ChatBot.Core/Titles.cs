namespace ChatBot.Core;

public static class Titles
{
    private const int DefaultTitleLength = 60;

    /// <summary>The default title: the first line of the first message, cut at a word boundary near 60 characters.</summary>
    public static string FromFirstMessage(string content)
    {
        var line = content.AsSpan().Trim();
        var newline = line.IndexOfAny('\r', '\n');
        if (newline >= 0)
        {
            line = line[..newline].TrimEnd();
        }

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
