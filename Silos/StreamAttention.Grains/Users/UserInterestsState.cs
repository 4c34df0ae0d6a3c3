using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Attention;

namespace StreamAttention.Grains.Users;

/// <summary>
/// A user's persisted interests, delivery policy and attention state. <see cref="Version"/> grows with every write
/// of what shards hold (interests, feedback thresholds), so shards can order updates.
/// </summary>
[GenerateSerializer, SuppressReferenceTracking, Alias("StreamAttention.UserInterestsState")]
public sealed class UserInterestsState
{
    [Id(0)]
    public Dictionary<string, StoredInterest> Interests { get; set; } = [];

    [Id(1)]
    public long Version { get; set; }

    /// <summary>Null: <see cref="DeliveryPolicy.Default"/>.</summary>
    [Id(2)]
    public DeliveryPolicy? Policy { get; set; }

    [Id(3)]
    public AttentionState Attention { get; set; } = new();

    /// <summary>
    /// What the embedder's query expansion added to each interest (by id), as state was stored before the expansions
    /// had a record of their own (<see cref="UserExpansions"/>): read and used, moved to that record by the next write,
    /// written empty.
    /// </summary>
    [Id(4)]
    public Dictionary<string, StoredExpansion> Expansions { get; set; } = [];

    /// <summary>
    /// The user's incarnation (<c>IUserGrain.GetIncarnation</c>), made by the first write that finds none: state written
    /// since the user was created or erased, or stored before incarnations, has <see cref="Guid.Empty"/> until then.
    /// </summary>
    [Id(5)]
    public Guid Incarnation { get; set; }
}
