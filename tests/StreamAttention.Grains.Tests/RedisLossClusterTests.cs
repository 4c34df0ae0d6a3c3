using Microsoft.Extensions.DependencyInjection;
using Orleans.Core.Internal;
using Orleans.Runtime.Placement;
using Orleans.Storage;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Hosting;
using StreamAttention.Grains.Shards;
using StreamAttention.Grains.Storage;
using StreamAttention.Grains.Users;

namespace StreamAttention.Grains.Tests;

/// <summary>
/// Two silos storing the grains' state in one Redis that loses its data (FLUSHALL, as a Redis restarted without
/// persistence) while they run: a shard that moved to the other silo before the loss still writes its members again,
/// a tenant's change writes every bucket of its counts again, not its user's alone, and a user whose rows its shard has not taken yet registers its publish reminder again (the reminders, in memory
/// here, are in Redis in production: the test removes the row as the loss would).
/// </summary>
public sealed class RedisLossClusterTests(RedisLossClusterTests.RedisClusterFixture fixture) : IClassFixture<RedisLossClusterTests.RedisClusterFixture>
{
    public sealed class RedisClusterFixture : ClusterFixture
    {
        public RedisServer Redis { get; private set; } = null!;

        public UserErasureHttpTests.FailingCalls Faults { get; } = new();

        public override async Task InitializeAsync()
        {
            Redis = await RedisServer.StartAsync();
            // Shards stay where a test moves them.
            Cluster = await TestCluster.StartAsync(Store, settings: new Dictionary<string, string?> { ["Sharding:SpreadCheck"] = "01:00:00" },
                configure: silo =>
                {
                    silo.AddStreamAttentionRedisStorage(Redis.Configuration);
                    silo.Services.AddSingleton<IIncomingGrainCallFilter>(Faults);
                });
        }

        public override async Task DisposeAsync()
        {
            // Redis stops also when the cluster failed to start or to stop (xUnit disposes a fixture whose start threw).
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

    private IScoringShardGrain ShardOf(string user) => fixture.Grains.GetGrain<IScoringShardGrain>(ShardMap.ShardOf(user, int.Parse(TestCluster.Settings["Sharding:ShardCount"]!)));

    [Fact]
    public async Task A_shard_that_moved_to_another_silo_writes_its_members_again_after_Redis_lost_its_data()
    {
        const string user = "loss-moved-shard";
        await fixture.Grains.GetGrain<IUserGrain>(user).PutInterests([new InterestInput("db", Texts.DatabaseInterest)]);
        var shard = ShardOf(user);
        var management = fixture.Grains.GetGrain<IManagementGrain>(0);
        var from = await management.GetActivationAddress(shard);
        var elsewhere = fixture.Cluster.Silos.Select(s => s.SiloAddress).First(s => !s.Equals(from));
        RequestContext.Set(IPlacementDirector.PlacementHintKey, elsewhere);
        try
        {
            await shard.AsReference<IGrainManagementExtension>().MigrateOnIdle();
        }
        finally
        {
            RequestContext.Clear();
        }
        // The move happens once the shard is idle, after this call answered.
        await Eventually.SucceedsAsync(async () => Assert.Equal(elsewhere, await management.GetActivationAddress(shard)));
        await fixture.Redis.FlushAllAsync();

        await shard.Rejoin(user);

        var stored = new GrainState<ShardMembershipState>();
        await fixture.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Interests).ReadStateAsync("shard", shard.GetGrainId(), stored);
        Assert.Contains(user, stored.State!.Users);
    }

    [Fact]
    public async Task A_tenant_writes_all_its_counts_again_after_Redis_lost_its_data()
    {
        const string name = "loss-tenant";
        const int users = 200;
        var tenant = fixture.Grains.GetGrain<ITenantGrain>(name);
        for (var u = 0; u < users; u++)
        {
            Assert.Null(await tenant.Reserve($"{name}/user{u}", 1));
        }
        await fixture.Redis.FlushAllAsync();

        // One change, which writes the bucket of its user: the counts of the other buckets are stored again with it.
        Assert.Null(await tenant.Reserve($"{name}/user7", 2));

        await fixture.Cluster.DeactivateAsync(tenant);
        Assert.Equal(new TenantUsage(users, users + 1), await tenant.GetUsage());
        Assert.Equal(users, (await tenant.GetUsers(null, users + 1)).Count);
    }

    [Fact]
    public async Task A_user_whose_shard_has_not_taken_its_rows_registers_its_publish_reminder_again_after_the_loss()
    {
        const string user = "loss-publish-owed";
        var grain = fixture.Grains.GetGrain<IUserGrain>(user);
        await grain.PutInterests([new InterestInput("db", Texts.DatabaseInterest)]);
        var reminders = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<IReminderTable>();
        fixture.Faults.FailUntilHealed<IScoringShardGrain>(nameof(IScoringShardGrain.Update));
        try
        {
            Assert.Empty((await grain.PutInterests([new InterestInput("f1", Texts.RacingInterest, Texts.RacingThreshold)])).Errors);
            var owed = Assert.IsType<ReminderEntry>(await reminders.ReadRow(grain.GetGrainId(), UserGrain.PublishReminder));
            await fixture.Redis.FlushAllAsync();
            Assert.True(await reminders.RemoveRow(grain.GetGrainId(), UserGrain.PublishReminder, owed.ETag!));

            // A write that is no interest's (which registers the reminder before it anyway): it stores the user's record again.
            Assert.Empty(await grain.PutPolicy(DeliveryPolicy.Default with { RateLimit = new RateLimitPolicy(5, TimeSpan.FromHours(1)) }));

            Assert.NotNull(await reminders.ReadRow(grain.GetGrainId(), UserGrain.PublishReminder));
        }
        finally
        {
            fixture.Faults.Heal();
        }
    }
}
