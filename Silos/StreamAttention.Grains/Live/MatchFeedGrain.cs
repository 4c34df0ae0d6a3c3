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
/// drops the matches they came too late for (<see cref="CurrentErasureMark"/>, <see cref="ErasedAfter"/>). A published
/// batch loses here the matches of users erased after it was decided (by the mark it carries, <see cref="LiveBatch.DecidedAfter"/>):
/// this grain has recorded those erasures, while a silo may get the batch before the erasure (Orleans does not order
/// two one-way calls).
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

    /// <summary>Names this activation in its marks: the count of erasures told (<see cref="_erasuresTold"/>) starts again in the next one.</summary>
    private readonly Guid _activation = Guid.NewGuid();

    /// <summary>The erasures told to this activation, retries included: what a mark (<see cref="CurrentErasureMark"/>) counts.</summary>
    private long _erasuresTold;

    /// <summary>
    /// Each user's latest erasure told to this activation: its count, and when it was told by this grain's clock, which
    /// alone decides when it is forgotten (<see cref="LiveFeedOptions.ErasureMemory"/> later), whatever the erasure's time.
    /// </summary>
    private readonly Dictionary<string, (long Count, DateTimeOffset At)> _told = new(StringComparer.Ordinal);

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

    public Task<LiveFeedSubscription> Subscribe(IMatchFeedObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.FromResult(new LiveFeedSubscription(_erasures.All(), Mark));
    }

    public Task Unsubscribe(IMatchFeedObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public Task Publish(LiveBatch batch)
    {
        var forwarded = WithoutErasedAfterDecision(batch);
        _observers.Notify(observer => observer.OnMatches(forwarded));
        return Task.CompletedTask;
    }

    /// <summary>
    /// <paramref name="batch"/> without the matches of users erased after its mark; itself when no erasure was told since
    /// (the usual case: one comparison), or none of those is in it. A batch without a mark counts as decided before any.
    /// </summary>
    private LiveBatch WithoutErasedAfterDecision(LiveBatch batch)
    {
        var mark = batch.DecidedAfter ?? ErasureMark.BeforeAny;
        if (mark.Activation == _activation && mark.ErasuresTold == _erasuresTold)
        {
            return batch;
        }
        var erased = UsersErasedAfter(mark).ToHashSet(StringComparer.Ordinal);
        if (erased.Count == 0 || !batch.Matches.Any(m => erased.Contains(m.UserId)))
        {
            return batch;
        }
        return batch with { Matches = [.. batch.Matches.Where(m => !erased.Contains(m.UserId))] };
    }

    /// <summary>
    /// The silos are told first, so the streams end whether or not the write succeeds; a failed write fails the call (and
    /// the user's erasure step), and the retry writes again, an erasure already known included.
    /// </summary>
    public Task EraseUser(UserErasure erasure)
    {
        _erasures.Add(erasure);
        // Counted again on a retry: a later mark then drops the erased user's matches too, which is never wrong.
        ForgetToldPastMemory();
        _told[erasure.UserKey] = (++_erasuresTold, time.GetUtcNow());
        var told = Mark;
        _observers.Notify(observer => observer.OnUserErased(erasure, told));
        return WriteErasuresAsync();
    }

    public Task<ErasureMark> CurrentErasureMark() => Task.FromResult(Mark);

    private ErasureMark Mark => new(_activation, _erasuresTold);

    /// <summary>
    /// A mark of an earlier activation cannot be placed among this one's erasures: every erasure remembered may have come
    /// after it (those restored from the stored record among them), so all are returned. That drops, for a batch scored
    /// across the move, the matches of a user erased and created again within the memory too, never an erased user's.
    /// </summary>
    public Task<IReadOnlyList<string>> ErasedAfter(ErasureMark mark) => Task.FromResult<IReadOnlyList<string>>([.. UsersErasedAfter(mark)]);

    private IEnumerable<string> UsersErasedAfter(ErasureMark mark)
    {
        ForgetToldPastMemory();
        return mark.Activation == _activation
            ? _told.Where(told => told.Value.Count > mark.ErasuresTold).Select(told => told.Key)
            : _erasures.All().Select(e => e.UserKey).Union(_told.Keys, StringComparer.Ordinal);
    }

    private void ForgetToldPastMemory()
    {
        var cutoff = time.GetUtcNow() - options.Value.ErasureMemory;
        foreach (var forgotten in _told.Where(told => told.Value.At < cutoff).Select(told => told.Key).ToArray())
        {
            _told.Remove(forgotten);
        }
    }

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
