namespace StreamAttention.Contracts.Grains;

/// <summary>
/// A grain that answers at once (key 0): when none of a batch's users has answered its delivery decision in time, the
/// gateway asks it whether the cluster carries calls at all, to tell users held up in their own grains from a cluster
/// that holds every call.
/// </summary>
[Alias("StreamAttention.IClusterProbeGrain")]
public interface IClusterProbeGrain : IGrainWithIntegerKey
{
    [Alias("Answer")]
    Task Answer();
}
