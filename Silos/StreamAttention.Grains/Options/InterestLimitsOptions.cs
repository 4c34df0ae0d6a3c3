using System.ComponentModel.DataAnnotations;

namespace StreamAttention.Grains.Options;

/// <summary>Limits on what users may store and send (section "Interests").</summary>
public sealed class InterestLimitsOptions
{
    public const string SectionName = "Interests";

    [Range(1, 100_000)]
    public int MaxInterestsPerUser { get; set; } = 1_000;

    /// <summary>Characters of an interest's text.</summary>
    [Range(1, 100_000)]
    public int MaxTextLength { get; set; } = 1_000;

    /// <summary>Terms in each of an interest's <c>require</c> and <c>exclude</c> lists.</summary>
    [Range(0, 1_000)]
    public int MaxKeywords { get; set; } = 20;

    /// <summary>Characters of one <c>require</c> or <c>exclude</c> term.</summary>
    [Range(1, 1_000)]
    public int MaxKeywordLength { get; set; } = 100;

    /// <summary>Recent matches that reach the person (immediate, deferred, quiet hours) kept in memory per user.</summary>
    [Range(1, 100_000)]
    public int MatchHistorySize { get; set; } = 100;

    /// <summary>
    /// Recent matches held back (suppressed duplicates, muted, below the threshold) kept in memory per user, apart from
    /// <see cref="MatchHistorySize"/>, so a burst of duplicates does not push the notifications out of the history.
    /// </summary>
    [Range(0, 100_000)]
    public int HeldBackHistorySize { get; set; } = 100;

    public const int DefaultMaxFingerprints = 256;

    /// <summary>
    /// Recent matches per user (the newest within the duplicate window) that a new match is checked against for
    /// near-duplicates. Each is a 64-byte MinHash sketch (~110 bytes with its match id and time) in the user's persisted
    /// state, and every decision reads them, so a user matched all day keeps a bounded state.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxFingerprintsPerUser { get; set; } = DefaultMaxFingerprints;
}
