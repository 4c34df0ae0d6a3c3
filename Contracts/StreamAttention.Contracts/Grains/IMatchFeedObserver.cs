using Orleans.Concurrency;
using StreamAttention.Contracts.Live;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Contracts.Grains;

/// <summary>A silo's receiver of the live match feed.</summary>
[Alias("StreamAttention.IMatchFeedObserver")]
public interface IMatchFeedObserver : IGrainObserver
{
    /// <summary><paramref name="batch"/> is only read (passed on without a copy, as to <see cref="IMatchFeedGrain.Publish"/>).</summary>
    [OneWay, Alias("OnMatches")]
    Task OnMatches([Immutable] LiveBatch batch);

    /// <summary>
    /// A user was erased: its streams on this silo opened before the erasure end, and its matches formed before it are
    /// dropped, those kept for resuming streams and those still on their way alike. <paramref name="told"/> is where the
    /// feed grain's erasures stand with this one counted: the silo's batches decided from now on carry it
    /// (<see cref="LiveBatch.DecidedAfter"/>).
    /// </summary>
    [OneWay, Alias("OnUserErased")]
    Task OnUserErased(UserErasure erasure, ErasureMark told);
}
