namespace ChatBot.Core;

/// <summary>
/// The right to write the one answer a conversation may have in progress. Stores keep it on the conversation itself, so it
/// holds across instances; it lapses at <see cref="ExpiresAt"/> on its own, so an instance that dies mid-answer blocks the
/// conversation only until then. <see cref="TakenAt"/> is "now" for the store's check that any earlier lease has lapsed.
/// </summary>
public sealed record TurnLease(string Id, DateTimeOffset TakenAt, DateTimeOffset ExpiresAt);

/// <summary>How a store answered a request to take a conversation's turn lease.</summary>
public enum TurnClaim
{
    /// <summary>Taken: this turn may write its answer.</summary>
    Claimed,

    /// <summary>Another turn holds an unexpired lease.</summary>
    Busy,

    /// <summary>No such conversation (deleted, or another user's).</summary>
    NotFound,
}
