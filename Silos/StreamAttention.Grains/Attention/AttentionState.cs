using StreamAttention.Contracts.Users;

namespace StreamAttention.Grains.Attention;

/// <summary>
/// What a user's delivery policy remembers between matches, persisted with the user's interests so a silo failure
/// loses no deferred match and no digest: the recent notifications (rate limit), the recent fingerprints (duplicates),
/// the matches waiting for a digest, the digests formed but not yet acknowledged by every sink (the outbox), and feedback.
/// </summary>
[GenerateSerializer, Alias("StreamAttention.AttentionState")]
public sealed class AttentionState
{
    /// <summary>When each immediate notification within the rate-limit window went out.</summary>
    [Id(0)]
    public List<DateTimeOffset> ImmediateTimes { get; set; } = [];

    /// <summary>Matches delivered or queued for a digest within the duplicate window, which later near-duplicates refer to.</summary>
    [Id(1)]
    public List<Fingerprint> Fingerprints { get; set; } = [];

    /// <summary>Matches waiting for the next digest.</summary>
    [Id(2)]
    public List<UserMatch> Pending { get; set; } = [];

    /// <summary>When the pending matches are due (never inside quiet hours); null while nothing is pending.</summary>
    [Id(3)]
    public DateTimeOffset? NextDigestAt { get; set; }

    /// <summary>Digests formed so far, so the next one gets a new id.</summary>
    [Id(4)]
    public long DigestSequence { get; set; }

    /// <summary>Digests formed whose sending has not succeeded yet; sent again, same id, at the next check.</summary>
    [Id(5)]
    public List<Digest> Outbox { get; set; } = [];

    /// <summary>The most recent digests, oldest first.</summary>
    [Id(6)]
    public List<Digest> RecentDigests { get; set; } = [];

    /// <summary>Feedback by interest id.</summary>
    [Id(7)]
    public Dictionary<string, FeedbackState> Feedback { get; set; } = [];
}

/// <summary>A match's MinHash signature, kept to recognise near-duplicates of it.</summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.Fingerprint")]
public sealed record Fingerprint(string MatchId, DateTimeOffset At, uint[] Signature);

/// <summary>One interest's feedback: the threshold offset and the pooled vectors of messages marked "not like this".</summary>
[GenerateSerializer, Alias("StreamAttention.FeedbackState")]
public sealed class FeedbackState
{
    [Id(0)]
    public float Offset { get; set; }

    [Id(1)]
    public List<float[]> NotLikeThis { get; set; } = [];

    [Id(2)]
    public int Relevant { get; set; }

    [Id(3)]
    public int NotRelevant { get; set; }
}
