using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Shards;
using StreamAttention.Grains.Storage;
using StreamAttention.Grains.Users;

namespace StreamAttention.Dashboard.Tests;

/// <summary>
/// A silo whose grain storage (Redis; the silo clusters alone) lost its data while the silo ran (FLUSHALL, as a Redis
/// restarted without persistence): an active user's next write and erasure succeed, and the write stores what the grain held;
/// a record deleted on purpose (another activation's erasure) is not written back by a stale write. After that write and the
/// silo's restart (on the same Redis, as Deploy/README.md tells), the user is scored and its digest reminder is registered.
/// </summary>
public sealed class StorageLossTests(StorageLossTests.Host host) : IClassFixture<StorageLossTests.Host>
{
    [Fact]
    public async Task An_active_users_write_after_Redis_lost_its_data_succeeds_and_stores_every_interest_the_grain_held()
    {
        // The user's grain is active first: the loss meets its write, not its activation.
        await PutAsync("storage-loss", "db", "postgresql database performance tuning", HttpStatusCode.Created);
        await host.Redis.FlushAllAsync();

        await PutAsync("storage-loss", "cars", "electric cars and batteries", HttpStatusCode.Created);

        // Every idle activation collected: the user's grain reads its interests back from Redis.
        await host.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var interests = (await host.Http.GetFromJsonAsync<JsonObject>("/users/storage-loss/interests"))!["interests"]!.AsArray();
        Assert.Equal(["cars", "db"], interests.Select(i => (string?)i!["id"]).Order());
    }

    [Fact]
    public async Task An_active_users_erasure_after_Redis_lost_its_data_succeeds()
    {
        await PutAsync("storage-loss-erased", "db", "postgresql database performance tuning", HttpStatusCode.Created);
        await host.Redis.FlushAllAsync();

        using var erased = await host.Http.DeleteAsync("/users/storage-loss-erased");

        Assert.Equal(HttpStatusCode.NoContent, erased.StatusCode);
    }

    [Fact]
    public async Task A_stale_write_of_a_record_another_activation_erased_is_refused_and_the_record_stays_gone()
    {
        var storage = host.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Interests);
        var user = GrainId.Create("user", "storage-loss/erased-elsewhere");
        var stale = new GrainState<UserInterestsState> { State = new() { Version = 7 } };
        await storage.WriteStateAsync("user", user, stale);
        var erasing = new GrainState<UserInterestsState>();
        await storage.ReadStateAsync("user", user, erasing);

        await storage.ClearStateAsync("user", user, erasing);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("user", user, stale));
        var stored = new GrainState<UserInterestsState>();
        await storage.ReadStateAsync("user", user, stored);
        Assert.False(stored.RecordExists);
    }

    /// <summary>
    /// A shard that moved carries the epoch its old silo read; when its new silo read the record again itself (its state's
    /// rehydration skipped), that read's epoch stays: the older one carried would take the deletion since for a loss.
    /// </summary>
    [Fact]
    public async Task An_epoch_carried_from_another_silo_does_not_replace_the_one_read_here_and_a_record_deleted_since_stays_gone()
    {
        var storage = host.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Interests);
        var shard = GrainId.Create("scoringshard", "storage-loss-carried-epoch");
        await storage.WriteStateAsync("shard", shard, new GrainState<ShardMembershipState> { State = new() { Users = ["carried"] } });
        var readAgain = new GrainState<ShardMembershipState>();
        await storage.ReadStateAsync("shard", shard, readAgain);
        Assert.IsAssignableFrom<IRecordEpochs>(storage).RememberEpoch(readAgain.ETag!, "read-on-the-silo-it-left");
        var deleting = new GrainState<ShardMembershipState>();
        await storage.ReadStateAsync("shard", shard, deleting);
        await storage.ClearStateAsync("shard", shard, deleting);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("shard", shard, readAgain));
        var stored = new GrainState<ShardMembershipState>();
        await storage.ReadStateAsync("shard", shard, stored);
        Assert.False(stored.RecordExists);
    }

    [Fact]
    public async Task A_write_of_a_record_Redis_lost_since_the_grain_read_it_stores_it_again()
    {
        var storage = host.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Interests);
        var user = GrainId.Create("user", "storage-loss/lost-record");
        var active = new GrainState<UserInterestsState> { State = new() { Version = 7 } };
        await storage.WriteStateAsync("user", user, active);
        await host.Redis.FlushAllAsync();
        // Another grain's read (as on a silo started after the loss) creates Redis's epoch again before this write.
        await storage.ReadStateAsync("user", GrainId.Create("user", "storage-loss/read-after-the-loss"), new GrainState<UserInterestsState>());

        await storage.WriteStateAsync("user", user, active);

        var stored = new GrainState<UserInterestsState>();
        await storage.ReadStateAsync("user", user, stored);
        Assert.Equal(7, stored.State!.Version);
    }

    /// <summary>Only the users ask which records were written again: the storage keeps no one else's, which would stay until the silo restarts.</summary>
    [Fact]
    public async Task A_shards_record_written_again_after_the_loss_is_not_kept_as_written_again_and_a_users_is()
    {
        var storage = host.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Interests);
        var shard = GrainId.Create("scoringshard", "storage-loss-written-again");
        var user = GrainId.Create("user", "storage-loss/written-again");
        var shardRecord = new GrainState<ShardMembershipState> { State = new() { Users = ["storage-loss/written-again"] } };
        var userRecord = new GrainState<UserInterestsState> { State = new() { Version = 7 } };
        await storage.WriteStateAsync("shard", shard, shardRecord);
        await storage.WriteStateAsync("user", user, userRecord);
        await host.Redis.FlushAllAsync();

        await storage.WriteStateAsync("shard", shard, shardRecord);
        await storage.WriteStateAsync("user", user, userRecord);

        var writtenAgain = Assert.IsAssignableFrom<IKnowsRecordsWrittenAgain>(storage);
        Assert.False(writtenAgain.WroteAgain(shard));
        Assert.True(writtenAgain.WroteAgain(user));
        writtenAgain.Forget(user);
    }

    [Fact]
    public async Task A_user_whose_write_stored_its_interests_again_after_the_loss_is_scored_once_the_silo_restarted()
    {
        using var redis = await RedisServer.StartAsync();
        await using (var before = await SiloOn.StartAsync(redis))
        {
            await PutAsync(before, "storage-loss-rejoined", "db", Texts.DatabaseInterest, HttpStatusCode.Created);
            await redis.FlushAllAsync();
            await PutAsync(before, "storage-loss-rejoined", "cars", "electric cars and batteries", HttpStatusCode.Created);
        }

        await using var after = await SiloOn.StartAsync(redis);
        using var response = await after.Http.PostAsJsonAsync("/score", new { texts = new[] { Texts.DatabaseMessage } });
        var matches = (await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonObject>())!["matches"]!.AsArray();
        Assert.Contains(matches, m => (string?)m!["userId"] == "storage-loss-rejoined" && (string?)m["interestId"] == "db");
    }

    [Fact]
    public async Task An_active_users_write_after_the_loss_registers_its_digest_reminder_again()
    {
        var user = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IUserGrain>("storage-loss-digest");
        await PutAsync("storage-loss-digest", "db", Texts.DatabaseInterest, HttpStatusCode.Created);
        // One immediate notification an hour: the second match waits for a digest, and the grain registers its reminder.
        Assert.Empty(await user.PutPolicy(DeliveryPolicy.Default with
        {
            Duplicates = new DuplicatePolicy(false, TimeSpan.FromHours(1), 0.6),
            RateLimit = new RateLimitPolicy(1, TimeSpan.FromHours(1)),
        }));
        var decided = await user.Decide([
            new UserMatch(DateTimeOffset.UtcNow, "db", Texts.DatabaseMessage, 0.9f, [], "storage-loss-digest-1"),
            new UserMatch(DateTimeOffset.UtcNow, "db", "postgresql index bloat", 0.9f, [], "storage-loss-digest-2")]);
        Assert.Equal(DeliveryKinds.Deferred, decided[1].Delivery);
        await host.Redis.FlushAllAsync();

        await PutAsync("storage-loss-digest", "cars", "electric cars and batteries", HttpStatusCode.Created);

        var reminders = host.Services.GetRequiredService<IReminderTable>();
        Assert.NotNull(await reminders.ReadRow(user.GetGrainId(), UserGrain.DigestReminder));
    }

    private Task PutAsync(string user, string id, string text, HttpStatusCode expected) => PutAsync(host, user, id, text, expected);

    private static async Task PutAsync(SiloHostFixture silo, string user, string id, string text, HttpStatusCode expected)
    {
        using var response = await silo.Http.PutAsJsonAsync($"/users/{user}/interests/{id}", new { text });
        Assert.Equal(expected, response.StatusCode);
    }

    /// <summary>A silo storing its grains' state in <paramref name="redis"/>, which outlives it: stopping it and starting another is a restart.</summary>
    private sealed class SiloOn(RedisServer redis) : SiloHostFixture, IAsyncDisposable
    {
        protected override IEnumerable<string> Arguments => redis.StorageConfiguration;

        public static async Task<SiloOn> StartAsync(RedisServer redis)
        {
            var silo = new SiloOn(redis);
            await silo.InitializeAsync();
            return silo;
        }

        async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();
    }

    public sealed class Host : RedisSiloHostFixture
    {
        protected override IEnumerable<string> Arguments => Redis.StorageConfiguration;
    }
}
