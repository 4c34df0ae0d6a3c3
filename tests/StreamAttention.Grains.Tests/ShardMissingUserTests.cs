using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Shards;

namespace StreamAttention.Grains.Tests;

/// <summary>
/// A shard asks a member whose grain failed to answer at its rebuild again every 2 s, but not one that left the shard
/// meanwhile: the silos run on a fake clock whose timers the test sees (<see cref="TimerWatchingClock"/>), and the
/// user's read is held (<see cref="UserErasureHttpTests.FailingCalls"/>) while the user leaves.
/// </summary>
public sealed class ShardMissingUserTests(ShardMissingUserTests.FaultyFakeClockClusterFixture fixture) : IClassFixture<ShardMissingUserTests.FaultyFakeClockClusterFixture>
{
    /// <summary>The shard's retry of a missing user.</summary>
    private static readonly TimeSpan MissingUserRetry = TimeSpan.FromSeconds(2);

    public sealed class FaultyFakeClockClusterFixture : ClusterFixture
    {
        public UserErasureHttpTests.FailingCalls Faults { get; } = new();

        public TimerWatchingClock Clock { get; } = new(new FakeTimeProvider(new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.Zero)));

        public override async Task InitializeAsync()
            => Cluster = await TestCluster.StartAsync(Store, configure: silo => silo.Services
                .AddSingleton<TimeProvider>(Clock)
                .AddSingleton<IIncomingGrainCallFilter>(Faults));
    }

    private IScoringShardGrain ShardOf(string user) => fixture.Grains.GetGrain<IScoringShardGrain>(ShardMap.ShardOf(user, int.Parse(TestCluster.Settings["Sharding:ShardCount"]!)));

    [Fact]
    public async Task A_user_that_leaves_the_shard_while_its_retried_read_fails_is_not_retried_again()
    {
        const string user = "missing-user-leaves";
        var grain = fixture.Grains.GetGrain<IUserGrain>(user);
        await grain.PutInterests([new InterestInput("db", Texts.DatabaseInterest)]);
        var rows = await grain.GetScoringRows();
        var shard = ShardOf(user);
        var release = new TaskCompletionSource();
        fixture.Faults.FailUntilHealed<IUserGrain>(nameof(IUserGrain.GetScoringRows));
        try
        {
            await fixture.Cluster.DeactivateAsync(shard);
            var timersBefore = fixture.Clock.Timers.Count;
            // Activates the shard: its rebuild finds the user's grain failing and arms the retry.
            await shard.Score(new ShardScoreRequest([rows.Interests[0].Embedding], UserId: user));
            var retry = Assert.Single(fixture.Clock.Timers.Skip(timersBefore),
                timer => timer.ArmedFor == MissingUserRetry && timer.Owner.Contains(shard.GetGrainId().ToString(), StringComparison.Ordinal));

            // The retry's read is in flight when the user's interests are deleted, which takes it out of the shard.
            var held = fixture.Faults.HoldNextThenFail<IUserGrain>(nameof(IUserGrain.GetScoringRows), release.Task);
            fixture.Clock.Time.Advance(MissingUserRetry);
            await held;
            Assert.True(await grain.DeleteInterest("db"));
            await Eventually.SucceedsAsync(() =>
            {
                Assert.False(ShardRecords.ListMember(fixture.Store, user));
                return Task.CompletedTask;
            });
            release.SetResult();

            // The read failed after the user left: no member is missing, so the retry ends.
            await Eventually.SucceedsAsync(() =>
            {
                Assert.True(retry.Disposed, "the shard's retry timer is still running with no member to read");
                return Task.CompletedTask;
            });
        }
        finally
        {
            release.TrySetResult();
            fixture.Faults.Heal();
        }
    }

    /// <summary>
    /// The time of a <see cref="FakeTimeProvider"/>, keeping every timer made from it: an Orleans grain timer is made
    /// disarmed, armed for each tick, and disposed when the grain ends it.
    /// </summary>
    public sealed class TimerWatchingClock(FakeTimeProvider time) : TimeProvider
    {
        private readonly Lock _lock = new();
        private readonly List<WatchedTimer> _timers = [];

        public FakeTimeProvider Time => time;

        public IReadOnlyList<WatchedTimer> Timers
        {
            get
            {
                lock (_lock)
                {
                    return _timers.ToArray();
                }
            }
        }

        public override DateTimeOffset GetUtcNow() => time.GetUtcNow();

        public override long GetTimestamp() => time.GetTimestamp();

        public override long TimestampFrequency => time.TimestampFrequency;

        public override TimeZoneInfo LocalTimeZone => time.LocalTimeZone;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new WatchedTimer(state, time.CreateTimer(callback, state, dueTime, period), dueTime);
            lock (_lock)
            {
                _timers.Add(timer);
            }
            return timer;
        }
    }

    public sealed class WatchedTimer(object? state, ITimer timer, TimeSpan dueTime) : ITimer
    {
        /// <summary>What its state says: an Orleans grain timer names its grain.</summary>
        public string Owner => state?.ToString() ?? "";

        /// <summary>The first due time it was armed for (an Orleans grain timer is made disarmed, then armed).</summary>
        public TimeSpan? ArmedFor { get; private set; } = dueTime == Timeout.InfiniteTimeSpan ? null : dueTime;

        public bool Disposed { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (ArmedFor is null && dueTime != Timeout.InfiniteTimeSpan)
            {
                ArmedFor = dueTime;
            }
            return timer.Change(dueTime, period);
        }

        public void Dispose()
        {
            Disposed = true;
            timer.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return timer.DisposeAsync();
        }
    }
}
