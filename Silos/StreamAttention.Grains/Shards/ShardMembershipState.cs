namespace StreamAttention.Grains.Shards;

/// <summary>The users of a shard: the only state a shard persists, enough to rebuild its matrices from the user grains.</summary>
[GenerateSerializer, Alias("StreamAttention.ShardMembershipState")]
public sealed class ShardMembershipState
{
    [Id(0)]
    public HashSet<string> Users { get; set; } = [];
}
