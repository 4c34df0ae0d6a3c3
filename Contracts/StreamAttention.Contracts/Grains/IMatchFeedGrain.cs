using Orleans.Concurrency;
using StreamAttention.Contracts.Live;

namespace StreamAttention.Contracts.Grains;

/// <summary>
/// The cluster's live match feed (key 0): every silo subscribes an observer, and whatever scores messages publishes
/// the matches once, so live-stream clients connected to any silo see every match.
/// </summary>
[Alias("StreamAttention.IMatchFeedGrain")]
public interface IMatchFeedGrain : IGrainWithIntegerKey
{
    /// <summary>Adds or refreshes a subscription; subscriptions expire unless refreshed, so a dead silo's drops out.</summary>
    [Alias("Subscribe")]
    Task Subscribe(IMatchFeedObserver observer);

    [Alias("Unsubscribe")]
    Task Unsubscribe(IMatchFeedObserver observer);

    /// <summary>
    /// One-way: scoring must not wait for, or fail because of, live viewers. <paramref name="batch"/> is neither
    /// changed by the feed nor by the caller after the call, so a call within the silo passes it without a copy.
    /// </summary>
    [OneWay, Alias("Publish")]
    Task Publish([Immutable] LiveBatch batch);

    /// <summary>Tells every subscribed silo that user <paramref name="userKey"/> ("tenant/user") was erased: its live streams end.</summary>
    [Alias("EraseUser")]
    Task EraseUser(string userKey);
}
