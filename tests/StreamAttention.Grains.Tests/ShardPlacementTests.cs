using System.Net;
using StreamAttention.Contracts.Grains;
using StreamAttention.Grains.Shards;

namespace StreamAttention.Grains.Tests;

public sealed class ShardPlacementTests
{
    private const int Shards = 8;

    [Fact]
    public void Shards_spread_over_the_silos_in_address_order_whatever_the_order_given()
    {
        var silos = Enumerable.Range(0, 3).Select(i => SiloAddress.New(IPAddress.Loopback, 11111 + i, 1)).ToArray();

        var spread = Enumerable.Range(0, Shards).Select(shard => ShardPlacement.SiloOf(shard, silos.Reverse())).ToArray();

        Assert.Equal(Enumerable.Range(0, Shards).Select(shard => silos[shard % 3]), spread);
        Assert.Null(ShardPlacement.SiloOf(0, []));
    }

    [Fact]
    public async Task Shards_spread_evenly_over_the_silos_and_a_silo_that_joins_takes_its_share()
    {
        var store = new SharedGrainStore();
        await using var cluster = await TestCluster.StartAsync(store, silos: 1, settings: new Dictionary<string, string?> { ["Sharding:SpreadCheck"] = "00:00:01" });
        await ActivateShardsAsync(cluster.Client);
        Assert.All((await SilosOfShardsAsync(cluster.Client)).Values, silo => Assert.Equal(cluster.Silos[0].SiloAddress, silo));

        cluster.StartAdditionalSilo();
        var silos = cluster.Silos.Select(s => s.SiloAddress).ToArray();
        Assert.Equal(2, silos.Length);

        // A shard that moved activates again, on its silo, at its next call.
        var placed = await Eventually.SucceedsAsync(async () =>
        {
            await ActivateShardsAsync(cluster.Client);
            var placed = await SilosOfShardsAsync(cluster.Client);
            Assert.Equal(Enumerable.Range(0, Shards).Select(shard => ShardPlacement.SiloOf(shard, silos)), Enumerable.Range(0, Shards).Select(shard => placed[shard]));
            return placed;
        });
        Assert.Equal(Shards / 2, placed.Values.Count(silo => silo.Equals(silos[0])));
    }

    private static Task ActivateShardsAsync(IGrainFactory grains)
        => Task.WhenAll(Enumerable.Range(0, Shards).Select(shard => grains.GetGrain<IScoringShardGrain>(shard).GetStatistics()));

    /// <summary>Where each shard's activation is, as the cluster's management grain reports it.</summary>
    private static async Task<Dictionary<int, SiloAddress>> SilosOfShardsAsync(IGrainFactory grains)
    {
        var shards = Enumerable.Range(0, Shards).ToDictionary(shard => grains.GetGrain<IScoringShardGrain>(shard).GetGrainId());
        var activations = await grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        return activations.Where(a => shards.ContainsKey(a.GrainId)).ToDictionary(a => shards[a.GrainId], a => a.SiloAddress);
    }
}
