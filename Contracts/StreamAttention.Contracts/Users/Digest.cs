namespace StreamAttention.Contracts.Users;

/// <summary>
/// The deferred matches of one user sent together. <paramref name="Id"/> ("user/sequence") is stable: a digest resent
/// after a failure carries the same id. <paramref name="Total"/> counts every deferred match, listed or not.
/// </summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.Digest")]
public sealed record Digest(string Id, string UserId, DateTimeOffset At, string Reason, int Total, IReadOnlyList<DigestGroup> Groups);

/// <summary>One interest's part of a digest: its listed matches, best first, and how many more there were.</summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.DigestGroup")]
public sealed record DigestGroup(string InterestId, IReadOnlyList<UserMatch> Top, int More);

/// <summary>Why a digest went out.</summary>
public static class DigestReasons
{
    public const string Schedule = "schedule";
    public const string QuietHoursEnd = "quiet-hours-end";
}
