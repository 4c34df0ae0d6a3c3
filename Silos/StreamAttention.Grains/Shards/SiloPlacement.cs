using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace StreamAttention.Grains.Shards;

/// <summary>
/// Places a grain keyed by a silo's address (<see cref="SiloScoringGrain"/>) on that silo, and nowhere else: while the
/// silo is not active (leaving, lost, not yet joined) the call fails at its caller, which scores that silo's shards
/// through their own grains. A placement hint chose the silo before; a silo missing from the caller's compatible silos
/// made Orleans ignore the hint and place the grain at random, on a leaving silo too, whose activation then refused.
/// </summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.SiloPlacement")]
public sealed class SiloPlacement : PlacementStrategy;

/// <summary>Places a grain with <see cref="SiloPlacement"/> by its string key (a silo's parsable address).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloPlacementAttribute() : PlacementAttribute(new SiloPlacement());

public sealed class SiloPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var key = target.GrainIdentity.Key.ToString()!;
        var silo = SiloAddress.FromParsableString(key);
        return context.GetCompatibleSilos(target).Contains(silo)
            ? Task.FromResult(silo)
            : throw new SiloUnavailableException($"Silo {key} is not active: the grain {target.GrainIdentity} it keys is placed nowhere.");
    }
}
