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
    /// its subscription lapsed, the feed grain moved) applies them now; and the current erasure mark, which the silo's
    /// batches carry (<see cref="LiveBatch.DecidedAfter"/>).
    /// </summary>
    [Alias("Subscribe")]
    Task<LiveFeedSubscription> Subscribe(IMatchFeedObserver observer);

    [Alias("Unsubscribe")]
    Task Unsubscribe(IMatchFeedObserver observer);

    /// <summary>
    /// One-way: scoring must not wait for, or fail because of, live viewers. <paramref name="batch"/> is neither
    /// changed by the feed nor by the caller after the call, so a call within the silo passes it without a copy. The
    /// matches of users erased after the batch's mark (<see cref="LiveBatch.DecidedAfter"/>; told to this grain after the
    /// batch was decided, before it arrived here) are left out of what the silos get: the grain has recorded those
    /// erasures, so no silo depends on getting the erasure before the batch.
    /// </summary>
    [OneWay, Alias("Publish")]
    Task Publish([Immutable] LiveBatch batch);

    /// <summary>
    /// Tells every subscribed silo of <paramref name="erasure"/>: the user's live streams end and its matches formed
    /// before the erasure are dropped; kept (persisted, for <c>LiveFeed:ErasureMemory</c>) for the silos that subscribe
    /// later (<see cref="Subscribe"/>) and for <see cref="ErasedAfter"/>.
    /// </summary>
    [Alias("EraseUser")]
    Task EraseUser(UserErasure erasure);

    /// <summary>
    /// Where the erasures told to this grain stand now: the Kafka ingest takes a mark right before a batch's scoring, and
    /// asks <see cref="ErasedAfter"/> with it right before producing the batch.
    /// </summary>
    [Alias("CurrentErasureMark")]
    Task<ErasureMark> CurrentErasureMark();

    /// <summary>
    /// The users of the erasures remembered that were told after <paramref name="mark"/> (all remembered when the mark is
    /// of another activation of this grain): the ingest drops their matches from a batch scored after the mark, which were
    /// formed before their erasure. Compared by the order the grain was told them, not by time, so no silo's clock need
    /// agree with the ingest's.
    /// </summary>
    [Alias("ErasedAfter")]
    Task<IReadOnlyList<string>> ErasedAfter(ErasureMark mark);
}
