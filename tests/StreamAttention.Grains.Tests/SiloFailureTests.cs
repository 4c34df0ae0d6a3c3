using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Grains.Tests;

/// <summary>Each test kills or restarts silos, so each has its own cluster; the grain storage outlives the silos.</summary>
public sealed class SiloFailureTests
{
    private static readonly string[] Users = Enumerable.Range(0, 24).Select(i => $"user-{i}").ToArray();

    [Fact]
    public async Task Interests_still_score_after_a_silo_is_killed()
    {
        var store = new SharedGrainStore();
        await using var cluster = await TestCluster.StartAsync(store);
        await PutInterestsAsync(cluster.Client);
        var before = await ScoreAsync(cluster.Client);
        Assert.Equal(Users.Length, before.Length);

        await cluster.KillSiloAsync(cluster.Silos[1]);

        Assert.Equal(before, await Eventually.SucceedsAsync(() => ScoreAsync(cluster.Client)));
    }

    [Fact]
    public async Task Interests_persist_across_restarts_of_every_silo()
    {
        var store = new SharedGrainStore();
        await using var cluster = await TestCluster.StartAsync(store);
        await PutInterestsAsync(cluster.Client);
        var before = await ScoreAsync(cluster.Client);

        foreach (var silo in cluster.Silos.ToArray())
        {
            await cluster.RestartSiloAsync(silo);
        }

        Assert.Equal(before, await Eventually.SucceedsAsync(() => ScoreAsync(cluster.Client)));
        Assert.Equal(Texts.DatabaseInterest, (await cluster.Client.GetGrain<IUserGrain>(Users[0]).GetInterest("db"))!.Text);
    }

    private static Task PutInterestsAsync(IGrainFactory grains)
        => Task.WhenAll(Users.Select(u => grains.GetGrain<IUserGrain>(u).PutInterests([new InterestInput("db", Texts.DatabaseInterest)])));

    private static async Task<(string, string, float)[]> ScoreAsync(IGrainFactory grains)
    {
        var matches = await grains.GetGrain<IScoringGatewayGrain>(0).Score([Texts.DatabaseMessage, Texts.Unrelated]);
        // Rounded: runs of other sizes sum in other orders.
        return matches.Select(m => (m.UserId, m.InterestId, MathF.Round(m.Score, 4))).Order().ToArray();
    }
}
