using Orleans.Concurrency;
using StreamAttention.Contracts.Live;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Contracts.Grains;

/// <summary>
/// The cluster's live match feed (key 0): every silo subscribes an observer, and whatever scores messages publishes
/// the matches once, so live-stream clients connected to any silo see every match.
/// </summary>
[Alias("StreamAttention.IMatchFeedGrain")]
public interface IMatchFeedGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Adds or refreshes a subscription; subscriptions expire unless refreshed, so a dead silo's drops out. Returns the
    /// erasures of the last <c>LiveFeed:ErasureMemory</c>: a silo that was not subscribed when one was told (starting,
    /// its subscription lapsed, the feed grain moved) applies them now.
    /// </summary>
    [Alias("Subscribe")]
    Task<IReadOnlyList<UserErasure>> Subscribe(IMatchFeedObserver observer);

    [Alias("Unsubscribe")]
    Task Unsubscribe(IMatchFeedObserver observer);

    /// <summary>
    /// One-way: scoring must not wait for, or fail because of, live viewers. <paramref name="batch"/> is neither
    /// changed by the feed nor by the caller after the call, so a call within the silo passes it without a copy.
    /// </summary>
    [OneWay, Alias("Publish")]
    Task Publish([Immutable] LiveBatch batch);

    /// <summary>
    /// Tells every subscribed silo of <paramref name="erasure"/>: the user's live streams end and its matches formed
    /// before the erasure are dropped; kept (persisted, for <c>LiveFeed:ErasureMemory</c>) for the silos that subscribe
    /// later (<see cref="Subscribe"/>) and for <see cref="ErasedSince"/>.
    /// </summary>
    [Alias("EraseUser")]
    Task EraseUser(UserErasure erasure);

    /// <summary>
    /// The erasures remembered whose time is at or after <paramref name="since"/>: the Kafka ingest asks right before
    /// producing a batch whose scoring started at <paramref name="since"/>, and drops those users' matches, which were
    /// formed before their erasure.
    /// </summary>
    [Alias("ErasedSince")]
    Task<IReadOnlyList<UserErasure>> ErasedSince(DateTimeOffset since);
}
