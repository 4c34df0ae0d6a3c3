using System.Text.Json.Serialization;

namespace StreamAttention.Contracts.Users;

/// <summary>
/// How a user's matches reach the person: now, later (in a digest), or never (a duplicate, a mute). Persisted with
/// the user's interests; a user without one gets <see cref="Default"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.DeliveryPolicy")]
public sealed record DeliveryPolicy(DuplicatePolicy Duplicates, RateLimitPolicy RateLimit, DigestPolicy Digest, QuietHoursPolicy? QuietHours, IReadOnlyList<MuteRule> Mutes)
{
    public static DeliveryPolicy Default { get; } = new(new DuplicatePolicy(true, TimeSpan.FromHours(1), 0.6), new RateLimitPolicy(10, TimeSpan.FromHours(1)),
        new DigestPolicy(TimeSpan.FromHours(1), 10), null, []);
}

/// <param name="Similarity">Estimated Jaccard similarity of the two messages' word shingles (MinHash) at or above which the later one is a duplicate.</param>
[GenerateSerializer, Immutable, Alias("StreamAttention.DuplicatePolicy")]
public sealed record DuplicatePolicy(bool Enabled, TimeSpan DuplicateWindow, double Similarity);

/// <summary>At most <paramref name="MaxImmediate"/> immediate notifications in any sliding <paramref name="Window"/>.</summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.RateLimitPolicy")]
public sealed record RateLimitPolicy(int MaxImmediate, TimeSpan Window);

/// <summary>Deferred matches go out <paramref name="DigestEvery"/> after the first of them; a digest lists the best <paramref name="DigestSize"/>.</summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.DigestPolicy")]
public sealed record DigestPolicy(TimeSpan DigestEvery, int DigestSize);

/// <summary>
/// Local times in the IANA <paramref name="TimeZone"/>; <paramref name="End"/> before <paramref name="Start"/> spans
/// midnight. <paramref name="CriticalScore"/> is required in JSON: left out it would read as 0, and every match would
/// interrupt the quiet hours.
/// </summary>
/// <param name="CriticalInterests">
/// The interest ids whose matches at or above <paramref name="CriticalScore"/> break the quiet hours; null: every
/// interest's. The score is how surely a message is about its interest, not how urgent it is, so only naming the
/// interests tells an outage from routine news on the same topic. Last, as a record's new parameter must be: a
/// policy stored before it reads as null.
/// </param>
[GenerateSerializer, Immutable, Alias("StreamAttention.QuietHoursPolicy")]
public sealed record QuietHoursPolicy(string TimeZone, TimeOnly Start, TimeOnly End, [property: JsonRequired] float CriticalScore,
    IReadOnlyList<string>? CriticalInterests = null)
{
    /// <summary>Whether a match of <paramref name="interestId"/> scoring <paramref name="score"/> may break the quiet hours.</summary>
    public bool IsCritical(string interestId, float score)
        => score >= CriticalScore && (CriticalInterests is null || CriticalInterests.Contains(interestId, StringComparer.Ordinal));
}

/// <summary>
/// Mutes one interest (<paramref name="InterestId"/>) or every match whose text holds <paramref name="Term"/> (a word,
/// case-insensitive) until <paramref name="Until"/>, which JSON must give (left out, a mute would end before it began).
/// </summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.MuteRule")]
public sealed record MuteRule(string? InterestId, string? Term, [property: JsonRequired] DateTimeOffset Until);
