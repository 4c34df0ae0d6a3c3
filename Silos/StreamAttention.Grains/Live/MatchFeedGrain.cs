using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Utilities;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Live;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Options;

namespace StreamAttention.Grains.Live;

/// <summary>
/// Forwards each published batch of matches to every subscribed silo. Nothing is persisted: the silos resubscribe
/// periodically (<see cref="MatchBroadcaster.RefreshPeriod"/>), so a new activation after a failure fills up again.
/// Erasures are remembered for <see cref="LiveFeedOptions.ErasureMemory"/> and replayed to every subscription, so a silo
/// that was not subscribed at the moment of one still ends the user's streams (a new activation remembers none: each
/// silo still holds those it was told).
/// </summary>
// The grain type is pinned: silos of two builds in one cluster (a rolling upgrade) must name it alike.
[Reentrant, GrainType("matchfeed")]
public sealed class MatchFeedGrain(IOptions<LiveFeedOptions> options, TimeProvider time, ILogger<MatchFeedGrain> logger) : Grain, IMatchFeedGrain
{
    /// <summary>Three refresh periods, so one late refresh does not drop a live silo.</summary>
    public static readonly TimeSpan SubscriptionExpiry = MatchBroadcaster.RefreshPeriod * 3;

    private readonly ObserverManager<IMatchFeedObserver> _observers = new(SubscriptionExpiry, logger);

    private readonly RecentErasures _erasures = new(options.Value.ErasureMemory, time);

    public Task<IReadOnlyList<UserErasure>> Subscribe(IMatchFeedObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.FromResult<IReadOnlyList<UserErasure>>(_erasures.All());
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

    public Task EraseUser(UserErasure erasure)
    {
        _erasures.Add(erasure);
        _observers.Notify(observer => observer.OnUserErased(erasure));
        return Task.CompletedTask;
    }
}
