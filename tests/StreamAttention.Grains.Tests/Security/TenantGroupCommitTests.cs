using StreamAttention.Contracts.Grains;
using StreamAttention.Grains.Options;
using StreamAttention.Grains.Tenants;

namespace StreamAttention.Grains.Tests.Security;

/// <summary>
/// A tenant grain's changes made while their bucket's write is in flight share the bucket's next write (group commit),
/// so one grain, which every user without a tenant writes through, admits more changes a second than one Redis write
/// each. Each call still returns only once a write holding its change has succeeded, a failed write fails every change
/// it holds and leaves the counts as stored, and the quotas stay exact.
/// </summary>
public sealed class TenantGroupCommitTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Changes_made_while_their_buckets_write_is_in_flight_share_its_next_write()
    {
        var name = $"group-{Guid.NewGuid():N}";
        var tenant = fixture.Grains.GetGrain<ITenantGrain>(name);
        var users = UsersOfOneBucket(name, 11);
        await tenant.GetUsage();
        var writes = fixture.Store.WritesOf(GrainOf(name));
        var held = fixture.Store.WritesHeld;
        fixture.Store.HoldWrites(BucketOf(users[0]));
        Task<string?>[] reserved;
        try
        {
            var first = tenant.Reserve(users[0], 1);
            await WaitForWritesHeldAsync(held + 1);
            reserved = [first, .. users[1..].Select(user => tenant.Reserve(user, 2))];
            // Counted in memory while the first write is held: the others have joined the next write.
            await Eventually.SucceedsAsync(async () => Assert.Equal(new TenantUsage(11, 1 + 10 * 2), await tenant.GetUsage()));
        }
        finally
        {
            fixture.Store.ReleaseWrites();
        }

        Assert.All(await Task.WhenAll(reserved), Assert.Null);
        Assert.Equal(writes + 2, fixture.Store.WritesOf(GrainOf(name)));
        Assert.Equal(users.ToDictionary(user => user, user => user == users[0] ? 1 : 2), StoredCounts(name));
    }

    [Fact]
    public async Task A_failed_shared_write_fails_every_change_it_holds_and_leaves_the_counts_as_stored()
    {
        var name = $"group-failing-{Guid.NewGuid():N}";
        var tenant = fixture.Grains.GetGrain<ITenantGrain>(name);
        var (stored, first, twice, removed) = UsersOfOneBucket(name, 4) switch { var u => (u[0], u[1], u[2], u[3]) };
        Assert.Null(await tenant.Reserve(stored, 2));
        var held = fixture.Store.WritesHeld;
        fixture.Store.HoldWrites(BucketOf(stored));
        var joined = new List<Task>();
        try
        {
            var firstWrite = tenant.Reserve(first, 1);
            await WaitForWritesHeldAsync(held + 1);
            joined.Add(tenant.Reserve(twice, 3));
            await Eventually.SucceedsAsync(async () => Assert.Equal(new TenantUsage(3, 2 + 1 + 3), await tenant.GetUsage()));
            // A second change of the same user, and a removal of one stored, join the same write.
            joined.Add(tenant.Release(twice, 1));
            joined.Add(tenant.Remove(stored));
            joined.Add(tenant.Reserve(removed, 4));
            await Eventually.SucceedsAsync(async () => Assert.Equal(new TenantUsage(3, 1 + 1 + 4), await tenant.GetUsage()));

            // The first write is stored; the shared one is held, then fails.
            fixture.Store.ReleaseWritesWaiting();
            Assert.Null(await firstWrite);
            await WaitForWritesHeldAsync(held + 2);
            fixture.Store.FailWritesOf(BucketOf(stored));
            fixture.Store.ReleaseWrites();
            foreach (var change in joined)
            {
                await Assert.ThrowsAsync<IOException>(() => change);
            }
        }
        finally
        {
            fixture.Store.FailWritesOf(null);
            fixture.Store.ReleaseWrites();
        }

        var expected = new Dictionary<string, int> { [stored] = 2, [first] = 1 };
        Assert.Equal(expected, StoredCounts(name));
        Assert.Equal(new TenantUsage(2, 3), await tenant.GetUsage());
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal).Select(user => user[(name.Length + 1)..]), await tenant.GetUsers(null, 10));

        // A retry finds its change undone and writes it.
        Assert.Null(await tenant.Reserve(twice, 1));
        Assert.Equal(new Dictionary<string, int>(expected) { [twice] = 1 }, StoredCounts(name));
    }

    [Fact]
    public async Task A_call_that_finds_its_count_set_already_by_a_write_not_yet_stored_returns_with_that_write_and_fails_with_it()
    {
        var name = $"group-unchanged-{Guid.NewGuid():N}";
        var tenant = fixture.Grains.GetGrain<ITenantGrain>(name);
        var (inFlight, waiting) = UsersOfOneBucket(name, 2) switch { var u => (u[0], u[1]) };
        await tenant.GetUsage();
        var held = fixture.Store.WritesHeld;
        fixture.Store.HoldWrites(BucketOf(inFlight));
        Task<string?>[] calls;
        try
        {
            var first = tenant.Reserve(inFlight, 1);
            await WaitForWritesHeldAsync(held + 1);
            var joined = tenant.Reserve(waiting, 2);
            await Eventually.SucceedsAsync(async () => Assert.Equal(new TenantUsage(2, 3), await tenant.GetUsage()));
            // The same counts again: one held by the write in flight, one by the write waiting for it. Should either
            // reach the grain only after the failure below, it finds its change undone, makes it and fails as well.
            calls = [first, joined, tenant.Reserve(inFlight, 1), tenant.Reserve(waiting, 2)];
            await tenant.GetUsage();

            fixture.Store.FailWritesOf(BucketOf(inFlight));
            fixture.Store.ReleaseWrites();
            foreach (var call in calls)
            {
                await Assert.ThrowsAsync<IOException>(() => call);
            }
        }
        finally
        {
            fixture.Store.FailWritesOf(null);
            fixture.Store.ReleaseWrites();
        }

        Assert.Equal(new TenantUsage(0, 0), await tenant.GetUsage());
        Assert.Empty(StoredCounts(name));
    }

    [Fact]
    public async Task Changes_racing_for_a_tenants_last_places_are_admitted_exactly_as_many_as_are_free()
    {
        const int free = 5, racing = 20;
        var name = $"group-quota-{Guid.NewGuid():N}";
        var tenant = fixture.Grains.GetGrain<ITenantGrain>(name);
        Assert.Null(await tenant.Reserve($"{name}/large", new TenantQuotaOptions().MaxInterests - free));
        fixture.Store.HoldWrites();
        Task<string?>[] reserved;
        try
        {
            reserved = [.. Enumerable.Range(0, racing).Select(u => tenant.Reserve($"{name}/racer{u}", 1))];
            // The refused answer at once, while the admitted wait for their writes.
            await Eventually.SucceedsAsync(() =>
            {
                Assert.Equal(racing - free, reserved.Count(reservation => reservation.IsCompleted));
                return Task.CompletedTask;
            });
        }
        finally
        {
            fixture.Store.ReleaseWrites();
        }

        var outcomes = await Task.WhenAll(reserved);
        Assert.Equal(free, outcomes.Count(refusal => refusal is null));
        Assert.All(outcomes.OfType<string>(), refusal => Assert.Contains("Tenants:MaxInterests", refusal));
        Assert.Equal(new TenantUsage(1 + free, new TenantQuotaOptions().MaxInterests), await tenant.GetUsage());
        Assert.Equal(new TenantQuotaOptions().MaxInterests, StoredCounts(name).Values.Sum());
    }

    private static GrainId GrainOf(string name) => GrainId.Create(TenantGrain.GrainTypeName, name);

    private static string BucketOf(string user) => TenantGrain.BucketStateName(TenantGrain.BucketOf(user));

    /// <summary><paramref name="count"/> users of tenant <paramref name="name"/> whose counts share one bucket.</summary>
    private static string[] UsersOfOneBucket(string name, int count)
    {
        var bucket = TenantGrain.BucketOf($"{name}/u0");
        return [.. Enumerable.Range(0, int.MaxValue).Select(u => $"{name}/u{u}").Where(user => TenantGrain.BucketOf(user) == bucket).Take(count)];
    }

    private async Task WaitForWritesHeldAsync(int held) => await Eventually.SucceedsAsync(() =>
    {
        Assert.Equal(held, fixture.Store.WritesHeld);
        return Task.CompletedTask;
    });

    /// <summary>Every user the tenant's stored buckets count, with its interests.</summary>
    private Dictionary<string, int> StoredCounts(string name) => fixture.Store.Entries
        .Where(record => record.Key.Grain == GrainOf(name) && record.Value.State is TenantUsersState)
        .SelectMany(record => ((TenantUsersState)record.Value.State).InterestsByUser)
        .ToDictionary();
}
