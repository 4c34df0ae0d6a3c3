using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Grains.Tests;

/// <summary>Keyword lists live in the user grain's state: they survive deactivation, and state stored before they existed still loads.</summary>
public sealed class KeywordRulesPersistenceTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Lists_survive_deactivation_and_rebuilt_shards_still_honour_them()
    {
        const string userId = "keywords-persisted";
        var user = fixture.Grains.GetGrain<IUserGrain>(userId);
        var written = await user.PutInterests([new InterestInput("db", Texts.DatabaseInterest, 0.5f, Require: ["PostgreSQL"], Exclude: ["Staging"])]);
        Assert.Empty(written.Errors);

        await fixture.Cluster.DeactivateAsync(user);
        for (var shard = 0; shard < 8; shard++)
        {
            await fixture.Cluster.DeactivateAsync(fixture.Grains.GetGrain<IScoringShardGrain>(shard));
        }

        var stored = await fixture.Grains.GetGrain<IUserGrain>(userId).GetInterest("db");
        Assert.Equal(["postgresql"], stored!.Require);
        Assert.Equal(["staging"], stored.Exclude);
        var matches = await fixture.Grains.GetGrain<IScoringGatewayGrain>(0).Score([Texts.DatabaseMessage, Texts.DatabaseMessage + " in staging"], userId);
        Assert.Equal([0], matches.Select(m => m.TextIndex));
    }
}
