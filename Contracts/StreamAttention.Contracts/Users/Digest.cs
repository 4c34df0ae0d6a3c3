namespace StreamAttention.Contracts.Users;

/// <summary>
/// The deferred matches of one user sent together. <paramref name="Id"/> ("user/sequence") is stable: a digest resent
/// after a failure carries the same id. <paramref name="Total"/> counts every deferred match, listed or not.
/// <paramref name="Repeats"/> are the matches near-duplicates of which were suppressed since the previous digest, most
/// repeated first (null in digests formed before they were counted). <paramref name="MoreRepeats"/> counts the suppressed
/// near-duplicates since the previous digest that <paramref name="Repeats"/> does not: those of the originals beyond the
/// ones listed, and of the originals forgotten past the bound on those kept (0 in digests formed before it was counted),
/// so the repeats' counts and it together count every one.
/// </summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.Digest")]
public sealed record Digest(string Id, string UserId, DateTimeOffset At, string Reason, int Total, IReadOnlyList<DigestGroup> Groups,
    IReadOnlyList<DigestRepeat>? Repeats = null, int MoreRepeats = 0);

/// <summary>One interest's part of a digest: its listed matches, best first, and how many more there were.</summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.DigestGroup")]
public sealed record DigestGroup(string InterestId, IReadOnlyList<UserMatch> Top, int More);

/// <summary>
/// The suppressed near-duplicates of one delivered or queued match (<paramref name="MatchId"/>): how many, when the
/// last one was decided, its score and text, and the best score among them, so the person can tell an incident that
/// fired once from one that keeps firing.
/// </summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.DigestRepeat")]
public sealed record DigestRepeat(string MatchId, string InterestId, int Count, DateTimeOffset LastAt, float LastScore, float BestScore, string LastText)
{
    /// <summary>The first duplicate of <paramref name="original"/>: <paramref name="duplicate"/>, decided at <paramref name="at"/>.</summary>
    public static DigestRepeat Of(string original, UserMatch duplicate, DateTimeOffset at)
        => new(original, duplicate.InterestId, 1, at, duplicate.Score, duplicate.Score, duplicate.Text);

    /// <summary>These repeats followed by <paramref name="later"/> ones of the same match.</summary>
    public DigestRepeat Then(DigestRepeat later)
        => later with { Count = Count + later.Count, BestScore = Math.Max(BestScore, later.BestScore) };

    /// <summary>These repeats followed by <paramref name="duplicate"/>, decided at <paramref name="at"/>: as <see cref="Then(DigestRepeat)"/> with <see cref="Of"/>'s record, without forming it.</summary>
    public DigestRepeat Then(UserMatch duplicate, DateTimeOffset at)
        => new(MatchId, duplicate.InterestId, Count + 1, at, duplicate.Score, Math.Max(BestScore, duplicate.Score), duplicate.Text);
}

/// <summary>Why a digest went out.</summary>
public static class DigestReasons
{
    public const string Schedule = "schedule";
    public const string QuietHoursEnd = "quiet-hours-end";
}
