using StreamAttention.Contracts.Grains;
using StreamAttention.Grains.Tenants;

namespace StreamAttention.Grains.Tests.Security;

/// <summary>A tenant's counts whose write fails stay as stored, so the same call retried writes them.</summary>
public sealed class TenantCountWriteTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    [Theory]
    [InlineData("reserve", 3)]
    [InlineData("release", 1)]
    [InlineData("release", 0)]
    [InlineData("remove", 0)]
    public async Task A_count_whose_write_fails_stays_as_stored_and_the_same_call_retried_stores_it(string call, int interests)
    {
        var name = $"counts-{call}-{interests}";
        var tenant = fixture.Grains.GetGrain<ITenantGrain>(name);
        Assert.Null(await tenant.Reserve("user", 2));
        Task Change() => call switch
        {
            "reserve" => tenant.Reserve("user", interests),
            "release" => tenant.Release("user", interests),
            _ => tenant.Remove("user"),
        };

        fixture.Store.FailWritesOf(TenantGrain.BucketStateName(TenantGrain.BucketOf("user")));
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(Change);
        }
        finally
        {
            fixture.Store.FailWritesOf(null);
        }
        Assert.Equal(new TenantUsage(1, 2), await tenant.GetUsage());

        await Change();
        // Released to 0 the user stays counted (a policy alone); removed it is not.
        var counted = call != "remove";
        Assert.Equal(new TenantUsage(counted ? 1 : 0, interests), await tenant.GetUsage());
        var stored = (TenantUsersState)fixture.Store.Entries[(TenantGrain.BucketStateName(TenantGrain.BucketOf("user")), GrainId.Create("tenant", name))].State;
        Assert.Equal<int?>(counted ? interests : null, stored.InterestsByUser.TryGetValue("user", out var held) ? held : null);
    }
}
