using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Attention;
using StreamAttention.Grains.Hosting;
using StreamAttention.Grains.Options;
using StreamAttention.Grains.Storage;

namespace StreamAttention.Grains.Tests.Attention;

/// <summary>
/// A batch's decisions over two silos storing the grains' state in Redis, with Redis slow: each command answered, but
/// late. Made deterministic by a Redis paused within a client timeout longer than the test: a user's decision then waits
/// on its write past <see cref="DeliveryDecisionOptions.AnswerDeadline"/> (on the attention's fake clock), as it did
/// on a Redis that slept 3 s a command. (A user hung in its own grain, with storage answering, is
/// <see cref="DeliveryDecisionsTests"/>': its matches come back undecided.)
/// </summary>
public sealed class SlowStorageDecisionsTests(SlowStorageDecisionsTests.SlowRedisClusterFixture fixture) : IClassFixture<SlowStorageDecisionsTests.SlowRedisClusterFixture>
{
    public sealed class SlowRedisClusterFixture : ClusterFixture
    {
        public FakeTimeProvider Time { get; } = new(AttentionCluster.Start);

        public RedisServer Redis { get; private set; } = null!;

        public override async Task InitializeAsync()
        {
            Redis = await RedisServer.StartAsync();
            // A paused Redis is slow, not gone, for as long as a test holds it.
            var slowButAnswering = Redis.Configuration + ",asyncTimeout=300000,syncTimeout=300000";
            Cluster = await TestCluster.StartAsync(Store, configure: silo =>
            {
                AttentionCluster.Configure(Time, new RecordingDigestSink())(silo);
                silo.AddStreamAttentionRedisStorage(slowButAnswering);
            });
        }

        public override async Task DisposeAsync()
        {
            try
            {
                await base.DisposeAsync();
            }
            finally
            {
                Redis?.Dispose();
            }
        }
    }

    private DeliveryDecisions Decisions => fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<DeliveryDecisions>();

    [Fact]
    public async Task A_user_waiting_past_the_deadline_on_a_slow_Redis_fails_the_batch_as_storage_unavailable_and_the_retry_is_decided()
    {
        var (writing, other, batch) = await AttentionCluster.TwoUsersBatchAsync(fixture.Grains, fixture.Time, "slow-redis");
        var writingGrain = fixture.Grains.GetGrain<IUserGrain>(writing);

        Exception? failure;
        fixture.Redis.Pause();
        try
        {
            var deciding = Decisions.DecideAsync(batch, CancellationToken.None);
            // The writing user's deferral waits on its write; the other's immediate match writes nothing.
            await Eventually.SucceedsAsync(async () => Assert.True(await writingGrain.AsReference<IStorageCallsExtension>().IsWaitingOnStorage()));
            fixture.Time.Advance(new DeliveryDecisionOptions().AnswerDeadline);
            failure = await Record.ExceptionAsync(() => deciding.WaitAsync(TimeSpan.FromMinutes(1)));
        }
        finally
        {
            fixture.Redis.Resume();
        }

        var unavailable = Assert.IsType<StorageUnavailableException>(failure);
        Assert.Contains(writing, unavailable.Message, StringComparison.Ordinal);
        Assert.True(ClusterFailures.IsStorageUnavailable(unavailable));
        // Redis answers: the batch retried is decided whole, the slow decision kept as it was made.
        var retried = await Eventually.SucceedsAsync(async () =>
        {
            var decided = await Decisions.DecideAsync(batch, CancellationToken.None);
            Assert.Empty(decided.UndecidedUsers);
            return decided;
        });
        Assert.Equal([DeliveryKinds.Immediate, DeliveryKinds.Immediate, DeliveryKinds.Deferred], retried.Decisions.Select(d => d.Delivery));
        Assert.Equal([DeliveryKinds.Deferred, DeliveryKinds.Immediate], (await writingGrain.GetMatches(10)).Select(m => m.Delivery));
        Assert.Single(await fixture.Grains.GetGrain<IUserGrain>(other).GetMatches(10));
    }
}
