using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Live;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Options;

namespace StreamAttention.Grains.Live;

/// <summary>
/// The silo's end of the live match feed: subscribes to <see cref="IMatchFeedGrain"/> (and keeps refreshing the
/// subscription) and fans every match out to the local listeners, e.g. server-sent-event clients.
/// Each listener has its own bounded queue that drops its oldest entries, so a slow client loses matches instead
/// of holding up the feed or growing the silo's memory. The latest matches are kept (<see cref="LiveFeedOptions.ResumeMatches"/>)
/// for listeners that resume after a reconnect, while the silo has listeners and for <see cref="LiveFeedOptions.ResumeWindow"/>
/// after the last one left: a silo nobody watches forms no object per match. A batch that reaches the feed grain after
/// an erasure told after the batch was decided loses the user's matches there (<see cref="LiveBatch.DecidedAfter"/>,
/// taken from <see cref="ErasuresHeard"/>), whatever order the silos get the two in. One that reached the feed grain
/// before the erasure, but that a silo gets after it, has its matches formed before the erasure dropped on arrival for
/// <see cref="LiveFeedOptions.ErasureMemory"/> (<see cref="RecentErasures"/>, by the deciding and the erasing silo's clocks).
/// </summary>
public sealed partial class MatchBroadcaster(IGrainFactory grains, IOptions<LiveFeedOptions> options, TimeProvider time, ILogger<MatchBroadcaster> logger)
    : BackgroundService, IMatchFeedObserver
{
    public static readonly TimeSpan RefreshPeriod = TimeSpan.FromSeconds(30);

    /// <summary>How soon a failed subscription (silo still starting, feed grain moving) is retried.</summary>
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly List<Subscription> _listeners = [];
    private readonly RecentLiveMatches? _recent = options.Value.ResumeMatches > 0 ? new(options.Value.ResumeMatches) : null;
    private readonly RecentErasures _erasures = new(options.Value.ErasureMemory, time);
    private long? _lastListenerLeftAt;
    private IMatchFeedObserver? _reference;
    private volatile bool _subscribed;
    private volatile ErasureMark _heard = ErasureMark.BeforeAny;

    /// <summary>Whether the feed has accepted this silo's subscription, so published matches reach its listeners.</summary>
    public bool IsSubscribed => _subscribed;

    /// <summary>
    /// The latest mark of the feed grain's erasures this silo has heard (by its subscription or an erasure told to it):
    /// never past the grain's own, so a batch decided after taking it loses, at the feed, the matches of every user erased
    /// after its decision, and at worst those of a user erased and created again after the mark (behind: an erasure not
    /// heard yet), or within <see cref="LiveFeedOptions.ErasureMemory"/> (a mark of the grain's previous activation, or
    /// none before the first subscription). Read without a grain call, once per batch.
    /// </summary>
    public ErasureMark ErasuresHeard => _heard;

    /// <summary>
    /// Receives the matches published from now on, of one user (its key, "tenant/user"), of one tenant's users
    /// (<paramref name="userId"/> null, <paramref name="tenant"/> set) or of all users, until the subscription is disposed.
    /// <paramref name="resumeAfter"/>, the id of the last match a reconnecting listener saw: the kept matches after it
    /// that the listener takes come first (all kept ones, and <see cref="Subscription.MayHaveMissed"/>, when it is no
    /// longer kept or is not one the listener takes: another user's id answers as an unknown one does).
    /// </summary>
    public Subscription Subscribe(string? userId, int capacity, string? tenant = null, string? resumeAfter = null)
    {
        var subscription = new Subscription(this, userId, tenant is null ? null : $"{tenant}/", capacity, time.GetUtcNow());
        lock (_lock)
        {
            // Under the lock, so that no match arrives between the kept ones and the listener's first.
            if (resumeAfter is not null)
            {
                var found = false;
                foreach (var match in _recent?.After(resumeAfter, kept => subscription.Accepts(kept.UserId), out found) ?? [])
                {
                    subscription.Offer(match);
                }
                subscription.MayHaveMissed = !found;
            }
            _listeners.Add(subscription);
        }
        return subscription;
    }

    /// <summary>Each match goes to the listeners that take it and to the kept ones, in the batch's order, formed once for all of them.</summary>
    public Task OnMatches(LiveBatch batch)
    {
        lock (_lock)
        {
            // Once per batch, listened to or not, so erasures past the memory are forgotten even when no other comes.
            var anyErased = _erasures.Any();
            var keeping = IsKeeping();
            if (!keeping)
            {
                // What is kept would say that nothing came after it.
                _recent?.Clear();
            }
            if (_listeners.Count == 0 && !keeping)
            {
                return Task.CompletedTask;
            }
            for (var i = 0; i < batch.Matches.Count; i++)
            {
                if (anyErased && _erasures.Erased(batch.Matches[i].UserId, batch.At))
                {
                    continue;
                }
                LiveMatch? match = null;
                if (keeping)
                {
                    match = batch.MatchAt(i);
                    _recent!.Add(match);
                }
                foreach (var listener in _listeners)
                {
                    if (listener.Accepts(batch.Matches[i].UserId))
                    {
                        match ??= batch.MatchAt(i);
                        listener.Offer(match);
                    }
                }
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Ends the user's streams opened before the erasure (their readers see the queue completed), forgets its kept
    /// matches formed before it, and drops those still to come; nothing again for an erasure already applied.
    /// </summary>
    public Task OnUserErased(UserErasure erasure, ErasureMark told)
    {
        lock (_lock)
        {
            Apply(erasure);
            Hear(told);
        }
        return Task.CompletedTask;
    }

    /// <summary>Subscribes (or refreshes) this silo at <paramref name="feed"/>, then applies the erasures it may have missed.</summary>
    public async Task SubscribeAsync(IMatchFeedGrain feed, IMatchFeedObserver self)
    {
        var subscription = await feed.Subscribe(self);
        lock (_lock)
        {
            foreach (var erasure in subscription.Erasures)
            {
                Apply(erasure);
            }
            Hear(subscription.Mark);
        }
    }

    /// <summary>
    /// Under the lock. Of one activation the larger count is kept (erasures may arrive out of order); another activation's
    /// mark replaces it (the grain moved: the older activation's marks count as before any erasure there).
    /// </summary>
    private void Hear(ErasureMark mark)
    {
        if (mark.Activation != _heard.Activation || mark.ErasuresTold > _heard.ErasuresTold)
        {
            _heard = mark;
        }
    }

    /// <summary>Under the lock.</summary>
    private void Apply(UserErasure erasure)
    {
        if (!_erasures.Add(erasure))
        {
            return;
        }
        foreach (var listener in _listeners.Where(l => l.UserId == erasure.UserKey && l.OpenedAt <= erasure.At))
        {
            listener.Queue.Writer.TryComplete();
        }
        _recent?.RemoveUser(erasure.UserKey, erasure.At);
    }

    private void Remove(Subscription listener)
    {
        lock (_lock)
        {
            if (_listeners.Remove(listener) && _listeners.Count == 0)
            {
                _lastListenerLeftAt = time.GetTimestamp();
            }
        }
    }

    /// <summary>Whether matches are kept for resuming listeners now (under the lock).</summary>
    private bool IsKeeping()
        => _recent is not null && (_listeners.Count > 0 || _lastListenerLeftAt is { } left && time.GetElapsedTime(left) < options.Value.ResumeWindow);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var feed = grains.GetGrain<IMatchFeedGrain>(0);
        var subscribing = SubscribeRetries();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await subscribing.ExecuteAsync(async _ =>
                {
                    _reference ??= grains.CreateObjectReference<IMatchFeedObserver>(this);
                    await SubscribeAsync(feed, _reference);
                }, stoppingToken);
                _subscribed = true;
                await Task.Delay(RefreshPeriod, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
        }
    }

    /// <summary>
    /// A failed subscription is asked again every <see cref="RetryDelay"/> without limit, and the silo is not subscribed
    /// meanwhile; only the stop (the cancellation of the call, or of the wait) ends the retries.
    /// </summary>
    private ResiliencePipeline SubscribeRetries() => new ResiliencePipelineBuilder { Name = "live-feed-subscription", TimeProvider = time }
        .AddRetry(new RetryStrategyOptions
        {
            Name = "live-feed-subscribe",
            BackoffType = DelayBackoffType.Constant,
            UseJitter = false,
            Delay = RetryDelay,
            MaxRetryAttempts = int.MaxValue,
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && !(e is OperationCanceledException && args.Context.CancellationToken.IsCancellationRequested)),
            OnRetry = args =>
            {
                _subscribed = false;
                LogSubscribeFailed(args.Outcome.Exception!);
                return default;
            },
        })
        .Build();

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_reference is not null && _subscribed)
        {
            _subscribed = false;
            try
            {
                await grains.GetGrain<IMatchFeedGrain>(0).Unsubscribe(_reference);
            }
            catch (Exception e)
            {
                // The subscription expires by itself; a silo shutting down with the cluster cannot always reach the feed.
                LogUnsubscribeFailed(e);
            }
            // The reference stays registered until the silo's client stops with it: a batch the feed sent before the
            // unsubscription can arrive after it, and a deleted reference made Orleans log it as an error.
        }
        lock (_lock)
        {
            foreach (var listener in _listeners)
            {
                listener.Queue.Writer.TryComplete();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Subscribing to the live match feed failed; retrying")]
    private partial void LogSubscribeFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Unsubscribing from the live match feed failed; the subscription will expire")]
    private partial void LogUnsubscribeFailed(Exception exception);

    /// <summary>One listener's queue of matches.</summary>
    public sealed class Subscription : IDisposable
    {
        private readonly MatchBroadcaster _owner;

        private long _dropped;

        internal Subscription(MatchBroadcaster owner, string? userId, string? tenantPrefix, int capacity, DateTimeOffset openedAt)
        {
            (_owner, UserId, TenantPrefix, OpenedAt) = (owner, userId, tenantPrefix, openedAt);
            // Full: TryWrite fails, and Offer drops the oldest itself (see there).
            Queue = Channel.CreateBounded<LiveMatch>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait });
        }

        /// <summary>
        /// Queues <paramref name="match"/>, dropping the oldest unsent match while the queue is full. Each drop is counted
        /// before the newer match is queued, so a reader that takes a match has seen the drops before it
        /// (<see cref="TakeDropped"/>): the channel's own DropOldest counted them after, and a stream that read the last
        /// match of a burst first never told its client of the drops that came with it.
        /// </summary>
        internal void Offer(LiveMatch match)
        {
            while (!Queue.Writer.TryWrite(match))
            {
                if (Queue.Reader.TryRead(out _))
                {
                    Interlocked.Increment(ref _dropped);
                }
                else if (Queue.Reader.Completion.IsCompleted)
                {
                    // The silo stops: nobody reads any more.
                    return;
                }
            }
        }

        internal string? UserId { get; }

        internal string? TenantPrefix { get; }

        /// <summary>An erasure ends the user's streams opened before it, not those of the user created again after it.</summary>
        internal DateTimeOffset OpenedAt { get; }

        internal bool Accepts(string userId)
            => UserId is not null ? UserId == userId : TenantPrefix is null || userId.StartsWith(TenantPrefix, StringComparison.Ordinal);

        internal Channel<LiveMatch> Queue { get; }

        /// <summary>Resumed after a match no longer kept: matches older than the kept ones may be missing.</summary>
        public bool MayHaveMissed { get; internal set; }

        /// <summary>Matches dropped from the full queue since the last call (the oldest unsent ones).</summary>
        public long TakeDropped() => Interlocked.Exchange(ref _dropped, 0);

        /// <summary>The matches as they arrive; completes when the silo stops, or when the stream's user is erased.</summary>
        public ChannelReader<LiveMatch> Reader => Queue.Reader;

        public void Dispose()
        {
            _owner.Remove(this);
        }
    }
}
