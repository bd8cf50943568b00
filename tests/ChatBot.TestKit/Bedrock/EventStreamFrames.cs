using System.Buffers.Binary;
using System.Text;

namespace ChatBot.TestKit.Bedrock;

/// <summary>
/// Encodes AWS event-stream messages (<c>application/vnd.amazon.eventstream</c>) from the specification, independently of
/// the AWS SDK, so that a client's decoder is tested against bytes it did not produce itself:
/// <code>
/// [total length: uint32 BE][headers length: uint32 BE][prelude CRC32: uint32 BE]
/// [headers: (name length: byte)(name: UTF-8)(type: byte)(value)]*[payload][message CRC32: uint32 BE]
/// </code>
/// Both CRCs are CRC-32 (IEEE 802.3); the prelude CRC covers the first 8 bytes, the message CRC everything before it.
/// </summary>
public static class EventStreamFrames
{
    /// <summary>Header value type 7: a string with a 2-byte big-endian length.</summary>
    private const byte StringHeaderType = 7;

    private static readonly uint[] CrcTable = BuildCrcTable();

    public static byte[] Encode(IReadOnlyList<KeyValuePair<string, string>> headers, ReadOnlySpan<byte> payload)
    {
        var headerBytes = new List<byte>();
        foreach (var (name, value) in headers)
        {
            var nameBytes = Encoding.UTF8.GetBytes(name);
            var valueBytes = Encoding.UTF8.GetBytes(value);
            headerBytes.Add(checked((byte)nameBytes.Length));
            headerBytes.AddRange(nameBytes);
            headerBytes.Add(StringHeaderType);
            headerBytes.Add((byte)(valueBytes.Length >> 8));
            headerBytes.Add((byte)valueBytes.Length);
            headerBytes.AddRange(valueBytes);
        }

        var total = 12 + headerBytes.Count + payload.Length + 4;
        var frame = new byte[total];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(0), (uint)total);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), (uint)headerBytes.Count);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), Crc32(frame.AsSpan(0, 8)));
        headerBytes.CopyTo(frame, 12);
        payload.CopyTo(frame.AsSpan(12 + headerBytes.Count));
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(total - 4), Crc32(frame.AsSpan(0, total - 4)));
        return frame;
    }

    /// <summary>A ConverseStream event, such as <c>contentBlockDelta</c>, with a JSON payload.</summary>
    public static byte[] Event(string eventType, string json) => Encode(
        [new(":event-type", eventType), new(":content-type", "application/json"), new(":message-type", "event")],
        Encoding.UTF8.GetBytes(json));

    /// <summary>A modeled error sent mid-stream, such as <c>throttlingException</c>.</summary>
    public static byte[] Exception(string exceptionType, string message) => Encode(
        [new(":exception-type", exceptionType), new(":content-type", "application/json"), new(":message-type", "exception")],
        Encoding.UTF8.GetBytes($$"""{"message":{{System.Text.Json.JsonSerializer.Serialize(message)}}}"""));

    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (var n = 0u; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
