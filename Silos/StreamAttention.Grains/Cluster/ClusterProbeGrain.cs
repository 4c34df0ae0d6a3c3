using Orleans.Concurrency;
using StreamAttention.Contracts.Grains;

namespace StreamAttention.Grains.Cluster;

/// <summary>Answers at once, holding no state; reentrant, so probes never queue behind one another.</summary>
// The grain type is pinned: silos of two builds in one cluster (a rolling upgrade) must name it alike.
[Reentrant, GrainType("clusterprobe")]
public sealed class ClusterProbeGrain : Grain, IClusterProbeGrain
{
    public Task Answer() => Task.CompletedTask;
}
