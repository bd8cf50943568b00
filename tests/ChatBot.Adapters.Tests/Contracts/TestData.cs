using System.Text;
using ChatBot.Core;
using FsCheck;
using FsCheck.Fluent;

namespace ChatBot.Adapters.Tests.Contracts;

/// <summary>Builders shared by the contract suites. Every test works as fresh users, so suites can share one server.</summary>
public static class TestData
{
    private static readonly DateTimeOffset Epoch = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static long s_tick;

    /// <summary>A strictly increasing time, a millisecond apart, so orderings in tests never depend on the clock.</summary>
    public static DateTimeOffset Now() => Epoch.AddMilliseconds(Interlocked.Increment(ref s_tick));

    /// <summary>
    /// A turn lease that lapsed before any other was taken: it never blocks another turn, for tests about something else.
    /// The lease's own behaviour has tests of its own.
    /// </summary>
    public static TurnLease Lapsed() => new(Ids.New(Now()), Now(), Epoch);

    /// <summary>A lease as a turn takes it: from now, for <paramref name="duration"/> (ten minutes unless given).</summary>
    public static TurnLease Lease(TimeSpan? duration = null)
    {
        var now = Now();
        return new TurnLease(Ids.New(now), now, now + (duration ?? TimeSpan.FromMinutes(10)));
    }

    public static string NewUser() => $"user-{Guid.NewGuid():N}";

    public static Conversation NewConversation(string userId, string? title = null)
    {
        var now = Now();
        return new Conversation(Ids.New(now), userId, title, now, now);
    }

    public static ConversationMessage UserMessage(string conversationId, string content, string? clientMessageId = null, DateTimeOffset? at = null)
    {
        var now = at ?? Now();
        return new ConversationMessage(Ids.New(now), conversationId, MessageRole.User, content, now, MessageStatus.Complete, clientMessageId);
    }

    public static ConversationMessage Answer(ConversationMessage question, string content, MessageStatus status = MessageStatus.Complete)
    {
        var now = Now();
        return new ConversationMessage(
            Ids.New(now), question.ConversationId, MessageRole.Assistant, content, now, status, ReplyTo: question.Id, Usage: new TokenUsage(12, 34));
    }

    /// <summary>
    /// Text as users send it: mostly ordinary, often with emoji (outside the BMP), right-to-left scripts, combining marks and
    /// NUL characters, and sometimes as long as the 16 KiB limit. Only whole code points: a lone surrogate is not text, and
    /// every store encodes UTF-8.
    /// </summary>
    public static Arbitrary<string> Content()
    {
        var codePoint = Gen.Frequency(
            (30, Gen.Choose(0x20, 0x7E)),
            (4, Gen.Constant(0)),
            (3, Gen.Elements(0x09, 0x0A, 0x0D, 0x7F)),
            (6, Gen.Choose(0x0590, 0x05FF)),
            (6, Gen.Choose(0x0600, 0x06FF)),
            (3, Gen.Elements(0x200F, 0x202E, 0x2067, 0x200D, 0xFEFF)),
            (3, Gen.Choose(0x0300, 0x036F)),
            (6, Gen.Choose(0x4E00, 0x9FFF)),
            (8, Gen.Choose(0x1F300, 0x1FAFF)),
            (2, Gen.Choose(0x10000, 0x10FFFF)),
            (3, Gen.Choose(0xE000, 0xFFFD)));
        var text = Gen.Sized(size => Gen.Choose(0, Math.Max(1, size * 4)).SelectMany(length => Gen.ArrayOf(codePoint, length)))
            .Select(ToText);
        var large = Gen.Choose(8 * 1024, 16 * 1024).SelectMany(bytes => Gen.ArrayOf(codePoint, bytes / 3)).Select(ToText);
        return Gen.Frequency((9, text), (1, large)).ToArbitrary();
    }

    private static string ToText(int[] codePoints)
    {
        var builder = new StringBuilder(codePoints.Length * 2);
        foreach (var codePoint in codePoints)
        {
            builder.Append(char.ConvertFromUtf32(codePoint));
        }

        return builder.ToString();
    }
}
