using Orleans.Concurrency;
using StreamAttention.Contracts.Grains;

namespace StreamAttention.Grains.Attention;

/// <summary>Answers at once, holding no state; reentrant, so probes never queue behind one another.</summary>
[Reentrant]
public sealed class ClusterProbeGrain : Grain, IClusterProbeGrain
{
    public Task Answer() => Task.CompletedTask;
}
