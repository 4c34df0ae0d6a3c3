using Microsoft.Extensions.DependencyInjection;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Grains.Tests;

/// <summary>A cluster whose silos score in the cascade tier: the texts reach the silo's batcher, and MiniLM decides near the threshold.</summary>
public sealed class CascadeTierTests(CascadeTierTests.CascadeClusterFixture fixture) : IClassFixture<CascadeTierTests.CascadeClusterFixture>
{
    private const string Interest = "database replication lag and failover";
    /// <summary>GloVe scores it 0.687, under the default threshold 0.7 but within the cascade's margin.</summary>
    private const string FailedOver = "Primary postgres node failed over; replicas show 40s replication lag";

    private IScoringGatewayGrain Gateway => fixture.Grains.GetGrain<IScoringGatewayGrain>(0);

    [Fact]
    public async Task The_cascade_matches_a_message_the_fast_tier_misses_through_the_silos_and_through_the_users_shard()
    {
        const string user = "cascade-sre";
        await fixture.Grains.GetGrain<IUserGrain>(user).PutInterests([new InterestInput("replication", Interest, null)]);
        string[] texts = [Texts.RacingMessage, FailedOver];

        var everyone = Assert.Single(await Gateway.Score(texts), m => m.UserId == user);
        var one = Assert.Single(await Gateway.Score(texts, user));

        Assert.Equal((1, "replication"), (everyone.TextIndex, everyone.InterestId));
        Assert.Equal((1, "replication"), (one.TextIndex, one.InterestId));
        Assert.Equal(everyone.Score, one.Score, 4);
    }

    public sealed class CascadeClusterFixture : ClusterFixture
    {
        public override async Task InitializeAsync()
            => Cluster = await TestCluster.StartAsync(Store, silos: 1, silo => silo.Services.Configure<ScoringOptions>(o => o.Tier = ScoringTier.Cascade));
    }
}
