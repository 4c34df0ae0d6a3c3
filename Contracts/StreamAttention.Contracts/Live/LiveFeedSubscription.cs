using StreamAttention.Contracts.Users;

namespace StreamAttention.Contracts.Live;

/// <summary>
/// What a silo's subscription to the live feed returns: the erasures remembered (<c>LiveFeed:ErasureMemory</c>), for
/// the silo to apply those it missed, and where the feed grain's erasures stand now (<paramref name="Mark"/>), which the
/// silo's batches carry until it hears of a later erasure (<see cref="LiveBatch.DecidedAfter"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.LiveFeedSubscription")]
public sealed record LiveFeedSubscription(IReadOnlyList<UserErasure> Erasures, ErasureMark Mark);
