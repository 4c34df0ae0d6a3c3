using Orleans.Concurrency;

namespace StreamAttention.Grains.Storage;

/// <summary>Asks a grain's activation, wherever it is and whatever call it is running, whether it waits on its storage.</summary>
[Alias("StreamAttention.IStorageCallsExtension")]
public interface IStorageCallsExtension : IGrainExtension
{
    /// <summary>Whether a storage call of the grain is out now (<see cref="StorageCalls"/>); interleaved with the call it holds up.</summary>
    [AlwaysInterleave, Alias("IsWaitingOnStorage")]
    Task<bool> IsWaitingOnStorage();
}

internal sealed class StorageCallsExtension(IGrainContext grain, StorageCalls calls) : IStorageCallsExtension
{
    public Task<bool> IsWaitingOnStorage() => Task.FromResult(calls.AreOut(grain.GrainId));
}
