using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Core.Internal;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Live;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Live;
using StreamAttention.Grains.Options;

namespace StreamAttention.Grains.Tests;

/// <summary>
/// An erasure reaches the live feed's silos in full: a batch decided just before it but published after it reaches no
/// stream, and a silo that was not subscribed when the user was erased applies the erasure when it subscribes.
/// </summary>
public sealed class LiveFeedErasureTests(GatedFeedFixture fixture) : IClassFixture<GatedFeedFixture>
{
    [Fact]
    public async Task A_batch_decided_before_the_erasure_and_published_after_it_reaches_no_silos_stream()
    {
        var broadcasters = await LiveFeedTests.SubscribedBroadcastersAsync(fixture);
        var erased = fixture.Grains.GetGrain<IUserGrain>("late-erased");
        await erased.PutInterests([new InterestInput("db", Texts.DatabaseInterest)]);
        await fixture.Grains.GetGrain<IUserGrain>("late-kept").PutInterests([new InterestInput("f1", Texts.RacingInterest, Texts.RacingThreshold)]);
        var everyone = broadcasters.Select(b => b.Subscribe(null, capacity: 16)).ToArray();
        try
        {
            fixture.Gate.HoldPublishing();
            Assert.Contains(await fixture.Grains.GetGrain<IScoringGatewayGrain>(0).Score([Texts.DatabaseMessage]), m => m.UserId == "late-erased");
            // Decided, and on its way to the silos when the user is erased.
            await fixture.Gate.Held;
            Assert.Null((await erased.Erase()).FailedStep);
            fixture.Gate.ReleasePublishing();
            // A later batch, published after the held one, of another user.
            Assert.Contains(await fixture.Grains.GetGrain<IScoringGatewayGrain>(0).Score([Texts.RacingMessage]), m => m.UserId == "late-kept");

            using var timeout = new CancellationTokenSource(LiveFeedTests.ReceiveTimeout);
            foreach (var stream in everyone)
            {
                Assert.Equal("late-kept", (await LiveFeedTests.FirstAsync(stream, timeout.Token)).UserId);
            }
            using var resumed = broadcasters[0].Subscribe(null, capacity: 16, resumeAfter: "none");
            Assert.DoesNotContain(Drain(resumed), m => m == "late-erased");
        }
        finally
        {
            fixture.Gate.ReleasePublishing();
            foreach (var stream in everyone)
            {
                stream.Dispose();
            }
        }
    }

    [Fact]
    public async Task The_feed_forwards_no_match_of_a_user_erased_after_its_batch_was_decided_so_no_silo_depends_on_the_order_it_gets_them()
    {
        var erased = fixture.Grains.GetGrain<IUserGrain>("reordered-erased");
        await erased.PutInterests([new InterestInput("db", Texts.DatabaseInterest)]);
        // A silo's end of the feed that records what the feed grain sends it, in whatever order it arrives.
        var silo = new RecordingObserver();
        var feed = fixture.Grains.GetGrain<IMatchFeedGrain>(0);
        var reference = fixture.Grains.CreateObjectReference<IMatchFeedObserver>(silo);
        await feed.Subscribe(reference);
        try
        {
            fixture.Gate.HoldPublishing();
            Assert.Contains(await fixture.Grains.GetGrain<IScoringGatewayGrain>(0).Score([Texts.DatabaseMessage], messageIds: ["reordered-db"]),
                m => m.UserId == "reordered-erased");
            await fixture.Gate.Held;
            Assert.Null((await erased.Erase()).FailedStep);
            fixture.Gate.ReleasePublishing();

            using var timeout = new CancellationTokenSource(LiveFeedTests.ReceiveTimeout);
            var batch = await silo.BatchAsync("reordered-db", timeout.Token);
            // Orleans does not order the erasure's and the batch's one-way calls: a silo that got this batch first would
            // stream the erased user's match, unless the feed left it out.
            Assert.DoesNotContain(batch.Matches, m => m.UserId == "reordered-erased");
        }
        finally
        {
            fixture.Gate.ReleasePublishing();
            await feed.Unsubscribe(reference);
            fixture.Grains.DeleteObjectReference<IMatchFeedObserver>(reference);
        }
    }

    [Fact]
    public async Task The_feed_forwards_the_matches_of_a_user_created_again_after_its_erasure_once_the_silos_heard_it()
    {
        var user = fixture.Grains.GetGrain<IUserGrain>("recreated");
        await user.PutInterests([new InterestInput("db", Texts.DatabaseInterest)]);
        Assert.Null((await user.Erase()).FailedStep);
        await user.PutInterests([new InterestInput("db", Texts.DatabaseInterest)]);
        var broadcasters = await LiveFeedTests.SubscribedBroadcastersAsync(fixture);
        var feed = fixture.Grains.GetGrain<IMatchFeedGrain>(0);
        var mark = await feed.CurrentErasureMark();
        // The erasure's one-way call may reach a silo after Erase returned: from then on its batches are decided after it.
        await Eventually.SucceedsAsync(() => Task.Run(() => Assert.All(broadcasters, b => Assert.Equal(mark, b.ErasuresHeard))));
        var silo = new RecordingObserver();
        var reference = fixture.Grains.CreateObjectReference<IMatchFeedObserver>(silo);
        await feed.Subscribe(reference);
        try
        {
            Assert.Contains(await fixture.Grains.GetGrain<IScoringGatewayGrain>(0).Score([Texts.DatabaseMessage], messageIds: ["recreated-db"]),
                m => m.UserId == "recreated");

            using var timeout = new CancellationTokenSource(LiveFeedTests.ReceiveTimeout);
            var batch = await silo.BatchAsync("recreated-db", timeout.Token);
            Assert.Contains(batch.Matches, m => m.UserId == "recreated");
        }
        finally
        {
            // The other tests' messages match its interest too.
            await user.Erase();
            await feed.Unsubscribe(reference);
            fixture.Grains.DeleteObjectReference<IMatchFeedObserver>(reference);
        }
    }

    [Fact]
    public async Task A_silo_not_subscribed_when_a_user_was_erased_ends_the_users_streams_when_it_subscribes()
    {
        var user = fixture.Grains.GetGrain<IUserGrain>("missed-erased");
        await user.PutInterests([new InterestInput("db", Texts.DatabaseInterest)]);
        // A silo's end of the feed whose subscription lapsed: the erasure is told without it.
        using var missing = UnsubscribedBroadcaster(fixture.Grains);
        using var stream = missing.Subscribe("missed-erased", capacity: 16);
        Assert.Null((await user.Erase()).FailedStep);
        Assert.False(stream.Reader.Completion.IsCompleted);

        await SubscribeOnceAsync(fixture.Grains, missing);

        Assert.True(stream.Reader.Completion.IsCompleted);
    }

    /// <summary>A silo's end of the feed, not subscribed (its hosted service is not started).</summary>
    internal static MatchBroadcaster UnsubscribedBroadcaster(IGrainFactory grains)
        => new(grains, Microsoft.Extensions.Options.Options.Create(new LiveFeedOptions()), TimeProvider.System, NullLogger<MatchBroadcaster>.Instance);

    /// <summary>Subscribes <paramref name="broadcaster"/> at the feed grain once, as its refresh does (applying the erasures returned), then unsubscribes it.</summary>
    internal static async Task SubscribeOnceAsync(IGrainFactory grains, MatchBroadcaster broadcaster)
    {
        var feed = grains.GetGrain<IMatchFeedGrain>(0);
        var reference = grains.CreateObjectReference<IMatchFeedObserver>(broadcaster);
        try
        {
            await broadcaster.SubscribeAsync(feed, reference);
        }
        finally
        {
            await feed.Unsubscribe(reference);
            grains.DeleteObjectReference<IMatchFeedObserver>(reference);
        }
    }

    /// <summary>Keeps the batches the feed grain sends it.</summary>
    private sealed class RecordingObserver : IMatchFeedObserver
    {
        private readonly Channel<LiveBatch> _batches = Channel.CreateUnbounded<LiveBatch>();

        public Task OnMatches(LiveBatch batch) => _batches.Writer.WriteAsync(batch).AsTask();

        public Task OnUserErased(UserErasure erasure, ErasureMark told) => Task.CompletedTask;

        /// <summary>The batch of the message <paramref name="messageId"/>, skipping those of earlier tests.</summary>
        public async Task<LiveBatch> BatchAsync(string messageId, CancellationToken cancellationToken)
        {
            await foreach (var batch in _batches.Reader.ReadAllAsync(cancellationToken))
            {
                if (batch.MessageIds?.Contains(messageId) == true)
                {
                    return batch;
                }
            }
            throw new InvalidOperationException("The feed's batches ended.");
        }
    }

    private static List<string> Drain(MatchBroadcaster.Subscription subscription)
    {
        var users = new List<string>();
        while (subscription.Reader.TryRead(out var match))
        {
            users.Add(match.UserId);
        }
        return users;
    }
}

/// <summary>The feed grain's erasures outlive its activation (collected, or moved with its silo).</summary>
public sealed class MatchFeedReactivationTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task A_new_activation_of_the_feed_grain_replays_the_erasures_of_the_memory_and_the_ingest_still_learns_of_them()
    {
        var user = fixture.Grains.GetGrain<IUserGrain>("reactivated-erased");
        await user.PutInterests([new InterestInput("db", Texts.DatabaseInterest)]);
        // A silo's end of the feed whose subscription lapsed while the user was erased and the feed grain moved.
        using var missing = LiveFeedErasureTests.UnsubscribedBroadcaster(fixture.Grains);
        using var stream = missing.Subscribe("reactivated-erased", capacity: 16);
        var feed = fixture.Grains.GetGrain<IMatchFeedGrain>(0);
        var before = await feed.CurrentErasureMark();
        Assert.Null((await user.Erase()).FailedStep);
        await feed.Cast<IGrainManagementExtension>().DeactivateOnIdle();

        Assert.Contains("reactivated-erased", await feed.ErasedAfter(before));
        await LiveFeedErasureTests.SubscribeOnceAsync(fixture.Grains, missing);
        Assert.True(stream.Reader.Completion.IsCompleted);
    }
}

/// <summary>What the feed grain tells the ingest of the erasures after a mark: ordered as it was told them, not by their times.</summary>
public sealed class MatchFeedErasureMarkTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task The_erasures_after_a_mark_are_those_told_after_it_whatever_the_erasing_silos_clocks_said()
    {
        var feed = fixture.Grains.GetGrain<IMatchFeedGrain>(0);
        // Told before the mark by a silo whose clock is an hour ahead, and after it by one whose clock is five minutes behind.
        await feed.EraseUser(new UserErasure("mark-erased-before", DateTimeOffset.UtcNow.AddHours(1)));
        var mark = await feed.CurrentErasureMark();
        await feed.EraseUser(new UserErasure("mark-erased-after", DateTimeOffset.UtcNow.AddMinutes(-5)));

        var erasedAfter = await feed.ErasedAfter(mark);

        Assert.Contains("mark-erased-after", erasedAfter);
        Assert.DoesNotContain("mark-erased-before", erasedAfter);
        // A mark of no activation of the feed: every erasure remembered came after it.
        Assert.Contains("mark-erased-before", await feed.ErasedAfter(ErasureMark.BeforeAny));
    }
}

/// <summary>A two-silo cluster whose live feed can hold the batches published to it (<see cref="PublishGate"/>).</summary>
public sealed class GatedFeedFixture : ClusterFixture
{
    public PublishGate Gate { get; } = new();

    public override async Task InitializeAsync() => Cluster = await TestCluster.StartAsync(Store, configure: silo => silo.AddIncomingGrainCallFilter(Gate));
}

/// <summary>
/// Holds <see cref="IMatchFeedGrain.Publish"/> calls in the feed grain (reentrant, so an erasure passes them) from
/// <see cref="HoldPublishing"/> until <see cref="ReleasePublishing"/>; <see cref="Held"/> completes when one waits.
/// </summary>
public sealed class PublishGate : IIncomingGrainCallFilter
{
    private TaskCompletionSource? _gate;
    private TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Held => _held.Task;

    public void HoldPublishing()
    {
        _held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _gate, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    public void ReleasePublishing() => Interlocked.Exchange(ref _gate, null)?.TrySetResult();

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.InterfaceMethod.Name == nameof(IMatchFeedGrain.Publish) && Volatile.Read(ref _gate) is { } gate)
        {
            _held.TrySetResult();
            await gate.Task;
        }
        await context.Invoke();
    }
}
