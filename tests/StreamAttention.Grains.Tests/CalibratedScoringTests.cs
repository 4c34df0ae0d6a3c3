using System.Globalization;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Grains.Tests;

/// <summary>A cluster with the product's scoring defaults: calibrated scores, the default threshold.</summary>
public sealed class CalibratedClusterFixture : ClusterFixture
{
    public override async Task InitializeAsync() => Cluster = await TestCluster.StartAsync(Store, silos: 1, settings: new Dictionary<string, string?>
    {
        ["Scoring:Calibration"] = "Background",
        // The default's own value, over the raw 0.7 that the other clusters' settings give.
        ["Scoring:DefaultThreshold"] = new ScoringOptions().DefaultThreshold.ToString(CultureInfo.InvariantCulture),
    });
}

/// <summary>What a user without a threshold of their own gets from the default threshold, through the grains.</summary>
public sealed class CalibratedScoringTests(CalibratedClusterFixture fixture) : IClassFixture<CalibratedClusterFixture>
{
    private const string Failover = "Primary postgres node failed over; replicas show 40s replication lag";
    private const string Football = "Arsenal beat Chelsea 2-1 at the Emirates on Saturday with a late goal";
    private const string Weather = "Heavy rain and strong winds are expected across Scotland tomorrow";

    [Fact]
    public async Task The_default_threshold_delivers_the_failover_and_not_football_or_weather_with_the_raw_score_kept()
    {
        const string user = "calibrated-sre";
        await fixture.Grains.GetGrain<IUserGrain>(user).PutInterests([new InterestInput("replication", "database replication lag and failover")]);

        var matches = (await fixture.Grains.GetGrain<IScoringGatewayGrain>(0).Score([Football, Failover, Weather])).Where(m => m.UserId == user).ToArray();

        var match = Assert.Single(matches);
        Assert.Equal(1, match.TextIndex);
        Assert.InRange(match.Score, 0.5f, 1f);
        Assert.NotNull(match.RawScore);
        Assert.True(match.RawScore < 0.7f, $"raw {match.RawScore}: under the old raw default, so only calibration delivers it");
        var history = await fixture.Grains.GetGrain<IUserGrain>(user).GetMatches(10);
        Assert.Equal(match.RawScore, Assert.Single(history).RawScore);
    }
}
