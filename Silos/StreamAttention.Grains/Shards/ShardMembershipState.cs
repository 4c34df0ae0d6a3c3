namespace StreamAttention.Grains.Shards;

/// <summary>The users of a shard: the only state a shard persists, enough to rebuild its matrices from the user grains.</summary>
[GenerateSerializer, Alias("StreamAttention.ShardMembershipState")]
public sealed class ShardMembershipState
{
    [Id(0)]
    public HashSet<string> Users { get; set; } = [];

    /// <summary>
    /// The users removed lately (their last interest deleted, or erased), with the version that removed them: rows of an
    /// older version that arrive after the removal are refused. Absent in records written before removals were kept.
    /// </summary>
    [Id(1)]
    public Dictionary<string, ShardRemoval> Removed { get; set; } = [];

    /// <summary>Drops the removals taken at or before <paramref name="oldest"/> (the shard's expiry timer is due at that instant).</summary>
    public void ForgetRemovalsBefore(DateTimeOffset oldest)
    {
        foreach (var (userId, removal) in Removed.ToArray())
        {
            if (removal.At <= oldest)
            {
                Removed.Remove(userId);
            }
        }
    }
}

/// <summary>The version of the user's write that removed it from the shard, and when the shard took it.</summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.ShardRemoval")]
public sealed record ShardRemoval(long Version, DateTimeOffset At);
