using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Storage;
using StreamAttention.Grains.Tenants;
using StreamAttention.Grains.Users;

namespace StreamAttention.Grains.Tests.Security;

/// <summary>
/// The <see cref="Ids.NoTenant"/> grain's one-time count of the users a build before cluster contract 13 stored
/// (<see cref="TenantGrain.StoredUsersWrittenEvery"/>): a count stopped part-way keeps the users it wrote, and the next
/// reads only the others. A cluster of its own: the count runs once a cluster.
/// </summary>
public sealed class TenantlessStoredCountTests
{
    private const int Users = 2 * TenantGrain.StoredUsersWrittenEvery + 5_000;

    [Fact]
    public async Task A_count_that_fails_part_way_keeps_what_it_wrote_and_the_next_reads_only_the_users_not_counted()
    {
        var store = new SharedGrainStore();
        var ids = Enumerable.Range(0, Users).Select(u => $"stored{u:D6}").ToArray();
        foreach (var id in ids)
        {
            store.Entries[(UserGrain.StateName, GrainId.Create(UserGrain.GrainTypeName, id))] = (new UserInterestsState { Policy = DeliveryPolicy.Default }, "contract-12");
        }
        // The first scan fails (as a SCAN that times out) after the users of two writes and part of a third.
        var failAfter = 2 * TenantGrain.StoredUsersWrittenEvery + 1_000;
        var keys = new FailingOnceKeys(ids, failAfter);
        await using var cluster = await TestCluster.StartAsync(store, silos: 1, silo => silo.Services.AddSingleton<IStoredUserKeys>(keys));
        var grain = cluster.Client.GetGrain<ITenantGrain>(Ids.NoTenant);

        await Assert.ThrowsAnyAsync<Exception>(grain.GetUsage);
        var readFirst = store.ReadsOf(UserGrain.StateName);
        Assert.InRange(readFirst, failAfter - 1_000, failAfter);

        Assert.Equal(new TenantUsage(Users, 0), await grain.GetUsage());
        Assert.Equal(Users - 2 * TenantGrain.StoredUsersWrittenEvery, store.ReadsOf(UserGrain.StateName) - readFirst);
        var counted = store.Entries.Where(entry => entry.Key.Grain == GrainId.Create(TenantGrain.GrainTypeName, Ids.NoTenant))
            .Select(entry => entry.Value.State).OfType<TenantUsersState>().SelectMany(bucket => bucket.InterestsByUser.Keys);
        Assert.Equal(ids, counted.Order(StringComparer.Ordinal));
        Assert.True(((TenantUsageState)store.Entries[("tenant", GrainId.Create(TenantGrain.GrainTypeName, Ids.NoTenant))].State).StoredUsersCounted);
    }

    [Fact]
    public async Task A_users_read_that_fails_for_the_storage_stores_no_count_and_the_next_try_counts_its_interests()
    {
        var store = new SharedGrainStore();
        var ids = StoreUsersWithAnInterest(store, 3);
        // The storage's failure, not the record's (a Redis that does not answer, a silo's storage closed by its stop).
        store.FailReadsOf(ids[1]);
        await using var cluster = await TestCluster.StartAsync(store, silos: 1, silo => silo.Services.AddSingleton<IStoredUserKeys>(new FailingOnceKeys(ids)));
        var grain = cluster.Client.GetGrain<ITenantGrain>(Ids.NoTenant);

        await Assert.ThrowsAnyAsync<Exception>(grain.GetUsage);
        Assert.False(store.Entries.ContainsKey(("tenant", GrainId.Create(TenantGrain.GrainTypeName, Ids.NoTenant))));

        store.FailReadsOf(null);
        Assert.Equal(new TenantUsage(3, 3), await grain.GetUsage());
    }

    [Fact]
    public async Task A_count_whose_activation_is_cancelled_stops_and_the_next_activation_counts_the_stored_users()
    {
        var store = new SharedGrainStore();
        var ids = StoreUsersWithAnInterest(store, 3);
        // Keys without end: only the activation's cancellation stops the count (keys without a record are read, not counted).
        var keys = new EndlessKeys(ids);
        await using var cluster = await TestCluster.StartAsync(store, silos: 1, silo =>
        {
            silo.Services.AddSingleton<IStoredUserKeys>(keys);
            silo.Services.Configure<GrainCollectionOptions>(collection => collection.ActivationTimeout = TimeSpan.FromSeconds(1));
        });
        var grain = cluster.Client.GetGrain<ITenantGrain>(Ids.NoTenant);

        var first = grain.GetUsage();
        try
        {
            // A hang guard only: the count stops at its first batch after the activation timeout.
            await keys.Disposed.WaitAsync(TimeSpan.FromMinutes(1));
        }
        finally
        {
            // Without the check the count would not end; ending the keys lets the silo stop.
            keys.End();
        }
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        Assert.False(store.Entries.ContainsKey(("tenant", GrainId.Create(TenantGrain.GrainTypeName, Ids.NoTenant))));

        // Orleans reads the timeout at each activation: the default again, so that the next does not depend on the machine's speed.
        cluster.Silos[0].ServiceProvider.GetRequiredService<IOptions<GrainCollectionOptions>>().Value.ActivationTimeout = new GrainCollectionOptions().ActivationTimeout;
        Assert.Equal(new TenantUsage(3, 3), await grain.GetUsage());
        Assert.True(((TenantUsageState)store.Entries[("tenant", GrainId.Create(TenantGrain.GrainTypeName, Ids.NoTenant))].State).StoredUsersCounted);
    }

    /// <summary>Stores <paramref name="users"/> users without a tenant, each with one interest, as cluster contract 12 did; their ids.</summary>
    private static string[] StoreUsersWithAnInterest(SharedGrainStore store, int users)
    {
        var ids = Enumerable.Range(0, users).Select(u => $"stored{u:D6}").ToArray();
        foreach (var id in ids)
        {
            var state = new UserInterestsState();
            state.Interests["db"] = new StoredInterest("db", "database replication", null, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
            store.Entries[(UserGrain.StateName, GrainId.Create(UserGrain.GrainTypeName, id))] = (state, "contract-12");
        }
        return ids;
    }

    /// <summary>The stored users' keys; the first scan throws after <paramref name="failAfter"/> keys (none: never).</summary>
    private sealed class FailingOnceKeys(string[] ids, int failAfter = int.MaxValue) : IStoredUserKeys
    {
        private int _scans;

        public async IAsyncEnumerable<string> WithoutTenantAsync()
        {
            var first = Interlocked.Increment(ref _scans) == 1;
            for (var i = 0; i < ids.Length; i++)
            {
                if (first && i == failAfter)
                {
                    throw new TimeoutException("injected: the scan timed out");
                }
                yield return ids[i];
            }
            await Task.CompletedTask;
        }
    }

    /// <summary>
    /// The stored users' keys, then keys of users without a record until <see cref="End"/>; <see cref="Disposed"/>
    /// completes when a scan's enumeration is disposed (an <c>await foreach</c> left by an exception disposes it).
    /// </summary>
    private sealed class EndlessKeys(string[] ids) : IStoredUserKeys
    {
        private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private volatile bool _ended;

        public Task Disposed => _disposed.Task;

        public void End() => _ended = true;

        public async IAsyncEnumerable<string> WithoutTenantAsync()
        {
            try
            {
                foreach (var id in ids)
                {
                    yield return id;
                }
                for (var absent = 0L; !_ended; absent++)
                {
                    yield return $"absent{absent:D12}";
                }
            }
            finally
            {
                _disposed.TrySetResult();
            }
            await Task.CompletedTask;
        }
    }
}
