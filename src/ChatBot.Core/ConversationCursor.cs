using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;

namespace ChatBot.Core;

/// <summary>
/// The list cursor every store issues: a position in one user's list (last activity, conversation id), signed with a key the
/// store keeps. The user id is signed too, so a cursor copied from another user, edited or made up fails to verify and
/// becomes a 400 instead of a query anywhere.
/// </summary>
public static class ConversationCursor
{
    private const byte Version = 1;
    private const int TicksBytes = sizeof(long);
    private const int IdBytes = 16;
    private const int MacBytes = 16;
    private const int PayloadBytes = 1 + TicksBytes + IdBytes;

    /// <summary>The smallest key accepted: HMAC-SHA256 gains nothing from longer keys than its 32-byte output.</summary>
    public const int MinKeyBytes = 32;

    /// <summary>The cursor for the position after (<paramref name="updatedAt"/>, <paramref name="conversationId"/>).</summary>
    public static string Encode(ReadOnlySpan<byte> key, string userId, DateTimeOffset updatedAt, string conversationId)
    {
        if (!Ids.IsValid(conversationId))
        {
            throw new ArgumentException("A cursor position needs a valid conversation id.", nameof(conversationId));
        }

        Span<byte> token = stackalloc byte[PayloadBytes + MacBytes];
        token[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(token[1..], updatedAt.UtcTicks);
        Convert.FromHexString(conversationId, token.Slice(1 + TicksBytes, IdBytes), out _, out _);
        Sign(key, userId, token[..PayloadBytes], token[PayloadBytes..]);
        return Base64Url.EncodeToString(token);
    }

    /// <summary>The position a cursor stands for. Throws <see cref="InvalidCursorException"/> unless this key issued it to this user.</summary>
    public static (DateTimeOffset UpdatedAt, string ConversationId) Decode(ReadOnlySpan<byte> key, string userId, string cursor)
    {
        Span<byte> token = stackalloc byte[PayloadBytes + MacBytes];
        if (cursor.Length > 2 * token.Length
            || !Base64Url.IsValid(cursor)
            || Base64Url.DecodeFromChars(cursor, token, out _, out var written) != System.Buffers.OperationStatus.Done
            || written != token.Length
            || token[0] != Version)
        {
            throw Invalid();
        }

        Span<byte> expected = stackalloc byte[MacBytes];
        Sign(key, userId, token[..PayloadBytes], expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, token[PayloadBytes..]))
        {
            throw Invalid();
        }

        var ticks = BinaryPrimitives.ReadInt64BigEndian(token[1..]);
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            throw Invalid();
        }

        return (new DateTimeOffset(ticks, TimeSpan.Zero), Convert.ToHexStringLower(token.Slice(1 + TicksBytes, IdBytes)));
    }

    private static void Sign(ReadOnlySpan<byte> key, string userId, ReadOnlySpan<byte> payload, Span<byte> mac)
    {
        // The MAC covers the user id, so a valid cursor of one user is an invalid cursor for every other user.
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(System.Text.Encoding.UTF8.GetBytes(userId));
        hmac.AppendData([0]);
        hmac.AppendData(payload);
        Span<byte> full = stackalloc byte[32];
        hmac.GetHashAndReset(full);
        full[..mac.Length].CopyTo(mac);
    }

    private static InvalidCursorException Invalid() =>
        new("The cursor is not valid. Use the nextCursor of a previous page unchanged, or omit it to start from the newest conversation.");
}
