using Microsoft.Extensions.DependencyInjection;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Users;

namespace StreamAttention.Grains.Tests;

public sealed class UserGrainReferencesTests(SiloHostFixture fixture) : IClassFixture<SiloHostFixture>
{
    [Theory]
    [InlineData("refs-alice")]
    [InlineData("refs-tenant/bob")]
    public async Task A_reference_is_the_one_GetGrain_gives_and_reaches_that_users_grain(string userId)
    {
        var grains = fixture.Services.GetRequiredService<IGrainFactory>();
        var references = fixture.Services.GetRequiredService<UserGrainReferences>();
        await grains.GetGrain<IUserGrain>(userId).PutInterests([new InterestInput("db", Texts.DatabaseInterest)]);

        var reference = references.Of(userId);

        Assert.Equal(grains.GetGrain<IUserGrain>(userId), reference);
        Assert.Equal(grains.GetGrain<IUserGrain>(userId).GetGrainId(), reference.GetGrainId());
        Assert.Equal("db", Assert.Single(await reference.GetInterests()).Id);
    }
}
