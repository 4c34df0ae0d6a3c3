using StreamAttention.Contracts.Users;

namespace StreamAttention.Grains.Users;

/// <summary>A user's persisted interests. <see cref="Version"/> grows with every write, so shards can order updates.</summary>
[GenerateSerializer, Alias("StreamAttention.UserInterestsState")]
public sealed class UserInterestsState
{
    [Id(0)]
    public Dictionary<string, StoredInterest> Interests { get; set; } = [];

    [Id(1)]
    public long Version { get; set; }
}
