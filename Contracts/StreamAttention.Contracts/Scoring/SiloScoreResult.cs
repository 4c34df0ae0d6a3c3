namespace StreamAttention.Contracts.Scoring;

/// <summary>
/// What one silo's scoring grain found: the matches of every shard whose current index the silo held, per shard, so
/// the gateway scores the shards no silo covered and never counts a shard twice.
/// </summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.SiloScoreResult")]
public sealed record SiloScoreResult(IReadOnlyList<ShardMatches> Shards);

/// <summary>The matches of one shard (maybe none) for a message batch.</summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.ShardMatches")]
public sealed record ShardMatches(int Shard, IReadOnlyList<TextMatch> Matches);
