using StreamAttention.Contracts.Scoring;

namespace StreamAttention.Contracts.Grains;

/// <summary>
/// One of S scoring shards (key: 0..S−1). It holds the dense matrices of the interests of the users hashed to it;
/// they are derived state, rebuilt on activation from the shard's persisted membership and its users' grains.
/// </summary>
[Alias("StreamAttention.IScoringShardGrain")]
public interface IScoringShardGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Records durably that the user belongs to this shard; called before the user first persists interests. Returns the
    /// newest version of the user's rows the shard knows (held or removed; 0: none): the user's next write must be above it.
    /// </summary>
    [Alias("Register")]
    Task<long> Register(string userId);

    /// <summary>
    /// Records the user again and writes the whole membership, also when the shard holds the user: called when the user's
    /// record was stored again after Redis lost its data, which took the shard's record too (the shard's memory kept it).
    /// </summary>
    [Alias("Rejoin")]
    Task Rejoin(string userId);

    /// <summary>
    /// Replaces the user's rows (ignored if older than those held, or than the user's latest removal); no interests left
    /// unregisters the user.
    /// </summary>
    [Alias("Update")]
    Task Update(string userId, UserScoringRows rows);

    /// <summary>Scores a batch against this shard's current index, rebuilt and published to its silo first if it changed.</summary>
    [Alias("Score")]
    Task<IReadOnlyList<TextMatch>> Score(ShardScoreRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// The incarnation of the user's rows held (<see cref="UserScoringRows.Incarnation"/>); <see cref="Guid.Empty"/> when
    /// none are held or they have none. Asked for the users whose grains could not decide their matches.
    /// </summary>
    [Alias("IncarnationOf")]
    Task<Guid> IncarnationOf(string userId);

    /// <summary>Users and interests held, for diagnostics and tests.</summary>
    [Alias("GetStatistics")]
    Task<ShardStatistics> GetStatistics();
}
