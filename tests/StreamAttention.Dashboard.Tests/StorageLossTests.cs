using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using StreamAttention.Grains.Storage;
using StreamAttention.Grains.Users;

namespace StreamAttention.Dashboard.Tests;

/// <summary>
/// A silo whose grain storage (Redis; the silo clusters alone) lost its data while the silo ran (FLUSHALL, as a Redis
/// restarted without persistence): an active user's next write and erasure succeed, and the write stores what the grain held;
/// a record deleted on purpose (another activation's erasure) is not written back by a stale write.
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

    private async Task PutAsync(string user, string id, string text, HttpStatusCode expected)
    {
        using var response = await host.Http.PutAsJsonAsync($"/users/{user}/interests/{id}", new { text });
        Assert.Equal(expected, response.StatusCode);
    }

    public sealed class Host : RedisSiloHostFixture
    {
        protected override IEnumerable<string> Arguments => Redis.StorageConfiguration;
    }
}
