using StreamAttention.Contracts.Users;

namespace StreamAttention.Grains.Live;

/// <summary>The erasures the feed grain remembers (<c>LiveFeed:ErasureMemory</c>), so that a new activation still replays them.</summary>
[GenerateSerializer, Alias("StreamAttention.MatchFeedState")]
public sealed class MatchFeedState
{
    [Id(0)]
    public List<UserErasure> Erasures { get; set; } = [];
}
