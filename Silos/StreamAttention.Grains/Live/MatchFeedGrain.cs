using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Utilities;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Live;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Options;
using StreamAttention.Grains.Storage;

namespace StreamAttention.Grains.Live;

/// <summary>
/// Forwards each published batch of matches to every subscribed silo. The subscriptions are not persisted: the silos
/// resubscribe periodically (<see cref="MatchBroadcaster.RefreshPeriod"/>), so a new activation after a failure fills up
/// again. Erasures are remembered for <see cref="LiveFeedOptions.ErasureMemory"/> and replayed to every subscription, so
/// a silo that was not subscribed at the moment of one still ends the user's streams; they are persisted (those within
/// the memory only), so a new activation (the grain collected, or moved with its silo) replays them too, and the ingest
/// drops the matches they came too late for (<see cref="ErasedSince"/>).
/// </summary>
// The grain type is pinned: silos of two builds in one cluster (a rolling upgrade) must name it alike, and it is part of the stored record's key.
[Reentrant, GrainType("matchfeed")]
public sealed class MatchFeedGrain(
    [PersistentState("erasures", StorageNames.Interests)] IPersistentState<MatchFeedState> state,
    IOptions<LiveFeedOptions> options, TimeProvider time, ILogger<MatchFeedGrain> logger) : Grain, IMatchFeedGrain
{
    /// <summary>Three refresh periods, so one late refresh does not drop a live silo.</summary>
    public static readonly TimeSpan SubscriptionExpiry = MatchBroadcaster.RefreshPeriod * 3;

    private readonly ObserverManager<IMatchFeedObserver> _observers = new(SubscriptionExpiry, logger);

    private readonly RecentErasures _erasures = new(options.Value.ErasureMemory, time);

    /// <summary>One write at a time: the grain is reentrant, and two writes of one state would conflict on its ETag.</summary>
    private readonly SemaphoreSlim _writing = new(1, 1);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Oldest first, as they are forgotten; those past the memory are not taken.
        foreach (var erasure in state.State.Erasures.OrderBy(e => e.At))
        {
            _erasures.Add(erasure);
        }
        return Task.CompletedTask;
    }

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

    /// <summary>
    /// The silos are told first, so the streams end whether or not the write succeeds; a failed write fails the call (and
    /// the user's erasure step), and the retry writes again, an erasure already known included.
    /// </summary>
    public Task EraseUser(UserErasure erasure)
    {
        _erasures.Add(erasure);
        _observers.Notify(observer => observer.OnUserErased(erasure));
        return WriteErasuresAsync();
    }

    public Task<IReadOnlyList<UserErasure>> ErasedSince(DateTimeOffset since)
        => Task.FromResult<IReadOnlyList<UserErasure>>(_erasures.Since(since));

    private async Task WriteErasuresAsync()
    {
        await _writing.WaitAsync();
        try
        {
            // What is past the memory leaves the stored record too: it stays as small as the memory's erasures.
            state.State.Erasures = [.. _erasures.All()];
            await state.WriteStateAsync();
        }
        finally
        {
            _writing.Release();
        }
    }
}
