using Orleans.Concurrency;
using StreamAttention.Contracts.Live;

namespace StreamAttention.Contracts.Grains;

/// <summary>A silo's receiver of the live match feed.</summary>
[Alias("StreamAttention.IMatchFeedObserver")]
public interface IMatchFeedObserver : IGrainObserver
{
    /// <summary><paramref name="batch"/> is only read (passed on without a copy, as to <see cref="IMatchFeedGrain.Publish"/>).</summary>
    [OneWay, Alias("OnMatches")]
    Task OnMatches([Immutable] LiveBatch batch);

    /// <summary>User <paramref name="userKey"/> was erased: its streams on this silo end, and its matches kept for resuming streams are dropped.</summary>
    [OneWay, Alias("OnUserErased")]
    Task OnUserErased(string userKey);
}
