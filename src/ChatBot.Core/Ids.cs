using System.Buffers.Text;

namespace ChatBot.Core;

/// <summary>
/// Ids are version-7 GUIDs in 32 lowercase hex digits: time-ordered, so they sort by creation, and cheap to validate.
/// </summary>
public static class Ids
{
    private static readonly Lock Gate = new();
    private static Guid s_last;

    /// <summary>A new id, strictly greater than any earlier one from this process, even within one millisecond.</summary>
    public static string New(DateTimeOffset now)
    {
        lock (Gate)
        {
            var candidate = Guid.CreateVersion7(now);
            if (candidate.CompareTo(s_last) <= 0)
            {
                candidate = Increment(s_last);
            }

            s_last = candidate;
            return candidate.ToString("N");
        }
    }

    public static bool IsValid(string? id) =>
        id is { Length: 32 } && id.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    private static Guid Increment(Guid guid)
    {
        // Big-endian bytes compare in the same order as Guid.CompareTo; bumping the random tail keeps the timestamp and version.
        Span<byte> bytes = stackalloc byte[16];
        guid.TryWriteBytes(bytes, bigEndian: true, out _);
        for (var i = 15; i >= 9; i--)
        {
            if (++bytes[i] != 0)
            {
                break;
            }
        }

        return new Guid(bytes, bigEndian: true);
    }
}
