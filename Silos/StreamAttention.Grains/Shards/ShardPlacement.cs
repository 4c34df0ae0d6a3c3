using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace StreamAttention.Grains.Shards;

/// <summary>
/// Spreads the scoring shards evenly over the cluster's silos: shard i on the (i mod n)-th of the n active silos in
/// <see cref="SiloAddress"/> order (the same on every silo; not port order). Orleans' default places a grain where its
/// first call comes from, so every shard activated at start (or moved after a crash) landed on one silo, which then did
/// all the scoring while the others idled. Every silo computes the same spread from the same membership, and a shard on
/// another silo than its own moves there (<see cref="ScoringShardGrain"/>), so a silo that joins takes its share.
/// </summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.ShardPlacement")]
public sealed class ShardPlacement : PlacementStrategy
{
    /// <summary>The silo of <paramref name="shard"/> among <paramref name="silos"/> (any order); null without any.</summary>
    public static SiloAddress? SiloOf(long shard, IEnumerable<SiloAddress> silos)
    {
        var ordered = silos.Distinct().Order().ToArray();
        return ordered.Length == 0 ? null : ordered[(int)(shard % ordered.Length)];
    }
}

/// <summary>Places a grain with <see cref="ShardPlacement"/> by its integer key (the shard's index).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ShardPlacementAttribute() : PlacementAttribute(new ShardPlacement());

public sealed class ShardPlacementDirector : IPlacementDirector
{
    /// <remarks>
    /// A placement hint in the call's request context (<see cref="IPlacementDirector.PlacementHintKey"/>) wins, as with
    /// Orleans' own directors, so a shard can be moved on purpose (the tests move one); its spread check brings it back.
    /// </remarks>
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        return Task.FromResult(IPlacementDirector.GetPlacementHint(target.RequestContextData, silos)
            ?? ShardPlacement.SiloOf(target.GrainIdentity.GetIntegerKey(), silos)
            ?? throw new OrleansException($"No silo can host {target.GrainIdentity}."));
    }
}
