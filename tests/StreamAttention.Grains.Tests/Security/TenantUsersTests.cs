using StreamAttention.Contracts.Grains;

namespace StreamAttention.Grains.Tests.Security;

/// <summary>A tenant's users listed page by page, as its export reads them: in ordinal order, as the counts change between pages.</summary>
public sealed class TenantUsersTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Pages_list_the_counted_users_in_ordinal_order_as_users_come_and_go()
    {
        var name = $"users-{Guid.NewGuid():N}";
        var tenant = fixture.Grains.GetGrain<ITenantGrain>(name);
        foreach (var user in new[] { "b", "d", "B", "a", "c", "e" })
        {
            Assert.Null(await tenant.Reserve($"{name}/{user}", 1));
        }
        Assert.Equal(["B", "a"], await tenant.GetUsers(null, 2));

        // Between pages: users counted before and after the page's end, one no longer counted, a count changed, and
        // writes that failed (undone: neither the user they would add nor the one they would remove changes).
        Assert.Null(await tenant.Reserve($"{name}/A", 1));
        Assert.Null(await tenant.Reserve($"{name}/ba", 0));
        await tenant.Remove($"{name}/c");
        await tenant.Release($"{name}/d", 0);
        // Every write fails: the users' counts are in the buckets their keys hash to.
        fixture.Store.FailWrites = true;
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(() => tenant.Reserve($"{name}/bb", 1));
            await Assert.ThrowsAnyAsync<Exception>(() => tenant.Remove($"{name}/e"));
        }
        finally
        {
            fixture.Store.FailWrites = false;
        }

        Assert.Equal(["b", "ba"], await tenant.GetUsers("a", 2));
        // After a user no longer counted: from the next one.
        Assert.Equal(["d", "e"], await tenant.GetUsers("c", 10));
        Assert.Empty(await tenant.GetUsers("e", 10));
        Assert.Equal(["A", "B", "a", "b", "ba", "d", "e"], await tenant.GetUsers(null, 10));
    }
}
