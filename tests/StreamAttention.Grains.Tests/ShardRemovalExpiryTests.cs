using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Orleans.Configuration;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Grains.Tests;

/// <summary>
/// An erased user's id stays in its shard's stored record (among the kept removals) only until the removal expires, also
/// when nothing changes on the shard after the erasure, and a failed write is tried again: the silos run on a fake clock,
/// which drives the grains' timers too.
/// </summary>
public sealed class ShardRemovalExpiryTests(ShardRemovalExpiryTests.FakeClockClusterFixture fixture) : IClassFixture<ShardRemovalExpiryTests.FakeClockClusterFixture>
{
    public sealed class FakeClockClusterFixture : ClusterFixture
    {
        public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.Zero));

        public override async Task InitializeAsync()
            => Cluster = await TestCluster.StartAsync(Store, configure: silo => silo.Services.AddSingleton<TimeProvider>(Time));
    }

    [Fact]
    public async Task An_erased_users_id_leaves_the_stored_record_of_a_quiet_shard_once_its_removal_expires()
    {
        const string user = "expiry-erased-quiet-shard";
        var grain = fixture.Grains.GetGrain<IUserGrain>(user);
        await grain.PutInterests([new InterestInput("db", Texts.DatabaseInterest)]);
        Assert.Null((await grain.Erase()).FailedStep);
        Assert.True(ShardRecords.Name(fixture.Store, user), "the erasure's removal is kept, with the user's id, in the shard's stored record");

        fixture.Time.Advance(4 * ResponseTimeout);

        // The timer's write runs on the shard's activation after the clock moved.
        await Eventually.SucceedsAsync(() =>
        {
            Assert.False(ShardRecords.Name(fixture.Store, user));
            return Task.CompletedTask;
        });
    }

    /// <summary>The shard's write fails during an erasure and nothing changes on the shard after: it tries again itself.</summary>
    [Fact]
    public async Task A_removal_the_shard_failed_to_store_is_stored_by_its_retry_with_no_other_change()
    {
        const string user = "expiry-write-failed-quiet-shard";
        await ShardRecords.ErasedWhileShardWritesFailAsync(fixture, user);

        // One response timeout: well before the erasure's removal expires.
        fixture.Time.Advance(ResponseTimeout);

        await Eventually.SucceedsAsync(() =>
        {
            Assert.False(ShardRecords.ListMember(fixture.Store, user));
            return Task.CompletedTask;
        });
    }

    private TimeSpan ResponseTimeout => fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<IOptions<SiloMessagingOptions>>().Value.ResponseTimeout;
}
