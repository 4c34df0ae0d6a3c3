using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Utilities;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Live;

namespace StreamAttention.Grains.Live;

/// <summary>
/// Forwards each published batch of matches to every subscribed silo. Nothing is persisted: the silos resubscribe
/// periodically (<see cref="MatchBroadcaster.RefreshPeriod"/>), so a new activation after a failure fills up again.
/// </summary>
// The grain type is pinned: silos of two builds in one cluster (a rolling upgrade) must name it alike.
[Reentrant, GrainType("matchfeed")]
public sealed class MatchFeedGrain(ILogger<MatchFeedGrain> logger) : Grain, IMatchFeedGrain
{
    /// <summary>Three refresh periods, so one late refresh does not drop a live silo.</summary>
    public static readonly TimeSpan SubscriptionExpiry = MatchBroadcaster.RefreshPeriod * 3;

    private readonly ObserverManager<IMatchFeedObserver> _observers = new(SubscriptionExpiry, logger);

    public Task Subscribe(IMatchFeedObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    public Task Unsubscribe(IMatchFeedObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public Task Publish(LiveBatch batch)
    {
        _observers.Notify(observer => observer.OnMatches(batch));
        return Task.CompletedTask;
    }

    public Task EraseUser(string userKey)
    {
        _observers.Notify(observer => observer.OnUserErased(userKey));
        return Task.CompletedTask;
    }
}
