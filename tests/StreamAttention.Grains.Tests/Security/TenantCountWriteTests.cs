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
    public async Task A_count_whose_write_fails_stays_as_stored_and_the_same_call_retried_stores_it(string call, int interests)
    {
        var name = $"counts-{call}-{interests}";
        var tenant = fixture.Grains.GetGrain<ITenantGrain>(name);
        Assert.Null(await tenant.Reserve("user", 2));
        Task Change() => call == "reserve" ? tenant.Reserve("user", interests) : tenant.Release("user", interests);

        fixture.Store.FailWritesOf("tenant");
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
        Assert.Equal(new TenantUsage(interests == 0 ? 0 : 1, interests), await tenant.GetUsage());
        var stored = (TenantUsageState)fixture.Store.Entries.Single(e => e.Key.StateName == "tenant" && e.Key.Grain.Key.ToString() == name).Value.State;
        Assert.Equal(interests, stored.InterestsByUser.GetValueOrDefault("user"));
    }
}
