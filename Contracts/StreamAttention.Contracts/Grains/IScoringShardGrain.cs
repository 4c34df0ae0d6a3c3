using StreamAttention.Contracts.Scoring;

namespace StreamAttention.Contracts.Grains;

/// <summary>
/// One of S scoring shards (key: 0..S−1). It holds the dense matrices of the interests of the users hashed to it;
/// they are derived state, rebuilt on activation from the shard's persisted membership and its users' grains.
/// </summary>
[Alias("StreamAttention.IScoringShardGrain")]
public interface IScoringShardGrain : IGrainWithIntegerKey
{
    /// <summary>Records durably that the user belongs to this shard; called before the user first persists interests.</summary>
    [Alias("Register")]
    Task Register(string userId);

    /// <summary>Replaces the user's rows (ignored if older than those held); no interests left unregisters the user.</summary>
    [Alias("Update")]
    Task Update(string userId, UserScoringRows rows);

    /// <summary>Scores a batch against this shard's current index, rebuilt and published to its silo first if it changed.</summary>
    [Alias("Score")]
    Task<IReadOnlyList<TextMatch>> Score(ShardScoreRequest request, CancellationToken cancellationToken = default);

    /// <summary>Users and interests held, for diagnostics and tests.</summary>
    [Alias("GetStatistics")]
    Task<ShardStatistics> GetStatistics();
}
