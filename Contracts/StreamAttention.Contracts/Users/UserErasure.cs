namespace StreamAttention.Contracts.Users;

/// <summary>
/// User <paramref name="UserKey"/> ("tenant/user") was erased at <paramref name="At"/>: the live feed drops its matches
/// formed at or before that time (a batch decided before the erasure but still on its way), and ends its streams opened
/// before it. A user created again afterwards has later matches and streams, which pass.
/// </summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.UserErasure")]
public sealed record UserErasure(string UserKey, DateTimeOffset At);

/// <summary>
/// A point in the erasures the live feed grain was told of (<c>IMatchFeedGrain.CurrentErasureMark</c>): those told after it are
/// what <c>IMatchFeedGrain.ErasedAfter</c> returns. Counted by the grain's activation, <paramref name="Activation"/>, in the
/// order it was told them, not stamped by a clock: the ingest that takes a mark and the silo that stamped an erasure need
/// not agree on the time. A mark of another activation (the grain moved or was collected) counts from nothing.
/// </summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.ErasureMark")]
public sealed record ErasureMark(Guid Activation, long ErasuresTold)
{
    /// <summary>A mark of no activation: every erasure the feed remembers came after it.</summary>
    public static ErasureMark BeforeAny { get; } = new(Guid.Empty, 0);
}

/// <summary>The steps of a user's erasure (<c>IUserGrain.Erase</c>), in the order they run.</summary>
public static class UserErasureSteps
{
    public const string Scoring = "scoring";
    public const string TenantCount = "tenant-count";
    /// <summary>Removes the user's reminders: the digest's and, while its shard is behind, the publish retry's (the name kept, as answers name it).</summary>
    public const string DigestReminder = "digest-reminder";
    public const string AttentionLog = "attention-log";
    public const string Expansions = "expansions";
    public const string State = "state";
    public const string LiveStreams = "live-streams";

    public static readonly IReadOnlyList<string> All = [Scoring, TenantCount, DigestReminder, AttentionLog, Expansions, State, LiveStreams];
}

/// <summary>
/// How far an erasure got: the steps done (<see cref="UserErasureSteps"/>, in order) and the one that failed (null: all
/// done). Every step can run again, so the caller retries the whole erasure to finish what is left.
/// </summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.UserErasureOutcome")]
public sealed record UserErasureOutcome(IReadOnlyList<string> Done, string? FailedStep)
{
    /// <summary>The steps not done yet, the failed one first.</summary>
    public IReadOnlyList<string> Left => [.. UserErasureSteps.All.Except(Done)];
}
