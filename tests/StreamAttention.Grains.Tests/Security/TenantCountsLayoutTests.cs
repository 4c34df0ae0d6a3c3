using StreamAttention.Contracts.Grains;
using StreamAttention.Grains.Tenants;

namespace StreamAttention.Grains.Tests.Security;

/// <summary>
/// A tenant's counts split over buckets (<see cref="TenantGrain.Buckets"/>): a change writes its user's bucket alone,
/// not every user of the tenant, and counts that cluster contract 12 stored in one record move to the buckets.
/// </summary>
public sealed class TenantCountsLayoutTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private const int Users = 1_000;

    [Fact]
    public async Task A_change_writes_the_bucket_of_its_user_alone()
    {
        var name = $"layout-{Guid.NewGuid():N}";
        var tenant = fixture.Grains.GetGrain<ITenantGrain>(name);
        for (var u = 0; u < Users; u++)
        {
            Assert.Null(await tenant.Reserve($"{name}/user{u}", 1));
        }

        await AssertWritesBucketOfAsync(name, $"{name}/new", () => tenant.Reserve($"{name}/new", 3));
        await AssertWritesBucketOfAsync(name, $"{name}/user7", () => tenant.Release($"{name}/user7", 0));
        await AssertWritesBucketOfAsync(name, $"{name}/user8", () => tenant.Remove($"{name}/user8"));

        Assert.Equal(new TenantUsage(Users, Users - 1 + 3 - 1), await tenant.GetUsage());
    }

    /// <summary>
    /// <paramref name="change"/> writes one record of the tenant's: the bucket of <paramref name="user"/>, holding only
    /// users of that bucket, far fewer than the tenant's.
    /// </summary>
    private async Task AssertWritesBucketOfAsync(string name, string user, Func<Task> change)
    {
        var before = Records(name).ToDictionary(record => record.Key.StateName, record => record.Value.ETag);

        await change();

        var written = Records(name).Where(record => before.GetValueOrDefault(record.Key.StateName) != record.Value.ETag).ToArray();
        var (key, (state, _)) = Assert.Single(written);
        Assert.Equal(TenantGrain.BucketStateName(TenantGrain.BucketOf(user)), key.StateName);
        var counts = Assert.IsType<TenantUsersState>(state).InterestsByUser;
        Assert.All(counts.Keys, counted => Assert.Equal(TenantGrain.BucketOf(user), TenantGrain.BucketOf(counted)));
        Assert.InRange(counts.Count, 1, Users / 8);
    }

    private IEnumerable<KeyValuePair<(string StateName, GrainId Grain), (object State, string ETag)>> Records(string name)
        => fixture.Store.Entries.Where(record => record.Key.Grain.Type.ToString() == "tenant" && record.Key.Grain.Key.ToString() == name);

    [Fact]
    public async Task Counts_stored_in_one_record_as_contract_12_stored_them_move_to_the_buckets()
    {
        var name = $"contract12-{Guid.NewGuid():N}";
        var one = new Dictionary<string, int> { [$"{name}/alice"] = 2, [$"{name}/bob"] = 0, [$"{name}/carol"] = 1 };
        fixture.Store.Entries[("tenant", GrainId.Create("tenant", name))] = (new TenantUsageState { InterestsByUser = new(one) }, "contract-12");
        var tenant = fixture.Grains.GetGrain<ITenantGrain>(name);

        Assert.Equal(new TenantUsage(3, 3), await tenant.GetUsage());

        var stored = Records(name).ToDictionary(record => record.Key.StateName, record => record.Value.State);
        Assert.Empty(Assert.IsType<TenantUsageState>(stored["tenant"]).InterestsByUser);
        Assert.Equal(one, stored.Values.OfType<TenantUsersState>().SelectMany(bucket => bucket.InterestsByUser).ToDictionary());
        foreach (var (user, _) in one)
        {
            Assert.True(((TenantUsersState)stored[TenantGrain.BucketStateName(TenantGrain.BucketOf(user))]).InterestsByUser.ContainsKey(user));
        }
        // Read back from the buckets by the next activation.
        await fixture.Cluster.DeactivateAsync(tenant);
        Assert.Equal(new TenantUsage(3, 3), await tenant.GetUsage());
        Assert.Equal(["alice", "bob", "carol"], await tenant.GetUsers(null, 10));
    }

    [Fact]
    public async Task Counts_of_one_record_whose_move_fails_stay_in_it_and_move_at_the_next_activation()
    {
        var name = $"contract12-failing-{Guid.NewGuid():N}";
        var one = new Dictionary<string, int> { [$"{name}/alice"] = 2, [$"{name}/bob"] = 1 };
        fixture.Store.Entries[("tenant", GrainId.Create("tenant", name))] = (new TenantUsageState { InterestsByUser = new(one) }, "contract-12");
        var tenant = fixture.Grains.GetGrain<ITenantGrain>(name);

        fixture.Store.FailWritesOf("tenant");
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(tenant.GetUsage);
        }
        finally
        {
            fixture.Store.FailWritesOf(null);
        }
        Assert.Equal(one, ((TenantUsageState)fixture.Store.Entries[("tenant", GrainId.Create("tenant", name))].State).InterestsByUser);

        Assert.Equal(new TenantUsage(2, 3), await tenant.GetUsage());
        Assert.Empty(((TenantUsageState)fixture.Store.Entries[("tenant", GrainId.Create("tenant", name))].State).InterestsByUser);
    }

    /// <summary>
    /// Another activation of the tenant (while a silo fails) moved the one record and changed a user's count after this
    /// activation read the record, before it read the buckets: the record read first is stale, and moving it would write
    /// the older count over the newer.
    /// </summary>
    [Fact]
    public async Task An_activation_does_not_move_a_one_record_another_activation_moved_while_it_read_the_buckets()
    {
        var name = $"contract12-moved-{Guid.NewGuid():N}";
        var alice = $"{name}/alice";
        var record = ("tenant", GrainId.Create("tenant", name));
        var bucket = (TenantGrain.BucketStateName(TenantGrain.BucketOf(alice)), GrainId.Create("tenant", name));
        fixture.Store.Entries[record] = (new TenantUsageState { InterestsByUser = { [alice] = 1 } }, "contract-12");
        var tenant = fixture.Grains.GetGrain<ITenantGrain>(name);

        fixture.Store.HoldReads(bucket.Item1);
        Task<TenantUsage> usage;
        try
        {
            usage = tenant.GetUsage();
            await Eventually.SucceedsAsync(() =>
            {
                Assert.True(fixture.Store.ReadsHeld);
                return Task.CompletedTask;
            });
            // The other activation's move, then its change of alice's count.
            fixture.Store.Entries[bucket] = (new TenantUsersState { InterestsByUser = { [alice] = 5 } }, "moved");
            fixture.Store.Entries[record] = (new TenantUsageState(), "emptied");
        }
        finally
        {
            fixture.Store.ReleaseReads();
        }

        Assert.Equal(new TenantUsage(1, 5), await usage);
        Assert.Equal(5, ((TenantUsersState)fixture.Store.Entries[bucket].State).InterestsByUser[alice]);
    }
}
