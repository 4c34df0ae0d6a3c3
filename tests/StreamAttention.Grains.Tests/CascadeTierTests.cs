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

    [Fact]
    public async Task A_passage_deep_in_a_long_text_is_decided_in_its_own_window_and_truncation_is_the_contextual_windows()
    {
        const string user = "cascade-long";
        // The passage's window scores ~0.74 and ~0.60 with the everyday sentences around it; a window of those alone ~0.40.
        await fixture.Grains.GetGrain<IUserGrain>(user).PutInterests([new InterestInput("replication", Interest, 0.5f)]);
        // Past MiniLM's first window (128 word pieces) but within its eight; early in a text past all eight.
        string[] texts = [Texts.LongText(FailedOver, wordsBefore: 200, wordsAfter: 30), Texts.LongText(FailedOver, wordsBefore: 20, wordsAfter: 900)];

        var matches = await Gateway.Score(texts, user);

        Assert.Equal([(0, false), (1, true)], matches.Select(m => (m.TextIndex, m.Truncated)));
        Assert.All(matches, m => Assert.Contains(m.Highlights, h => FailedOver.Contains(h.Token, StringComparison.OrdinalIgnoreCase)));
    }

    public sealed class CascadeClusterFixture : ClusterFixture
    {
        public override async Task InitializeAsync()
            => Cluster = await TestCluster.StartAsync(Store, silos: 1, silo => silo.Services.Configure<ScoringOptions>(o =>
            {
                o.Tier = ScoringTier.Cascade;
                // What the tests assert is the model's decision: no load budget, which would depend on the machine's speed.
                o.CascadeMaxModelTimeShare = 0;
            }));
    }
}
