using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using StackExchange.Redis;

namespace StreamAttention.Dashboard.Tests;

/// <summary>
/// A silo whose grain storage is Redis is not ready while Redis does not answer (stopped by its PID), and says so; the
/// readiness probes share one connection to it.
/// </summary>
public sealed class StorageReadinessTests(StorageReadinessTests.Host host) : IClassFixture<StorageReadinessTests.Host>
{
    /// <summary>Readiness polls after a change: each waits at most the ping timeout; the bound only stops a check that never sees it.</summary>
    private const int Polls = 60;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    [Fact]
    public async Task Readiness_is_unhealthy_while_the_storages_Redis_does_not_answer_and_probes_open_no_connection()
    {
        var (status, storage) = await StorageCheckAsync();
        Assert.Equal((HttpStatusCode.OK, "Healthy"), (status, (string?)storage["status"]));
        // What reading the count costs in connections, then the count across three probes: the same, they opened none.
        var first = await ConnectionsReceivedAsync();
        var beforeProbes = await ConnectionsReceivedAsync();
        for (var probe = 0; probe < 3; probe++)
        {
            await StorageCheckAsync();
        }
        Assert.Equal(beforeProbes - first, await ConnectionsReceivedAsync() - beforeProbes);

        host.Redis.Pause();
        try
        {
            (status, storage) = await PollUntilAsync("Unhealthy");

            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal("The grain storage (Redis) did not answer a PING within 00:00:01 (Cluster:StoragePingTimeout): "
                + "users' reads and writes fail, and the API answers them with 503, until it does", (string?)storage["description"]);
        }
        finally
        {
            host.Redis.Resume();
        }
        (status, _) = await PollUntilAsync("Healthy");
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task The_checks_connection_closes_when_the_silo_stops()
    {
        using var redis = await RedisServer.StartAsync();
        var silo = new SiloOnRedisStorage(redis);
        // Ready: the storage check has connected and answered.
        await silo.InitializeAsync();
        Assert.NotEqual(0, await ClientsConnectedAsync(redis));

        await silo.DisposeAsync();

        // Redis counts a closed connection out once it reads the close: polled, as the readiness above.
        var clients = await ClientsConnectedAsync(redis);
        for (var poll = 0; poll < Polls && clients > 0; poll++)
        {
            await Task.Delay(PollInterval);
            clients = await ClientsConnectedAsync(redis);
        }
        Assert.Equal(0, clients);
    }

    private async Task<(HttpStatusCode, JsonNode)> StorageCheckAsync()
    {
        using var ready = await host.Http.GetAsync("/health/ready");
        return (ready.StatusCode, (await ready.Content.ReadFromJsonAsync<JsonObject>())!["checks"]!["storage"]!);
    }

    private async Task<(HttpStatusCode, JsonNode)> PollUntilAsync(string wanted)
    {
        var (status, storage) = await StorageCheckAsync();
        for (var poll = 0; poll < Polls && (string?)storage["status"] != wanted; poll++)
        {
            await Task.Delay(PollInterval);
            (status, storage) = await StorageCheckAsync();
        }
        return (status, storage);
    }

    /// <summary>Connections Redis accepted since it started (its INFO's <c>total_connections_received</c>), this call's included.</summary>
    private async Task<long> ConnectionsReceivedAsync()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"{host.Redis.Configuration},allowAdmin=true");
        var info = await redis.GetServers().Single().InfoAsync("stats");
        return long.Parse(info.SelectMany(group => group).Single(pair => pair.Key == "total_connections_received").Value);
    }

    /// <summary>Clients Redis has connected (its INFO's <c>connected_clients</c>), this call's own left out.</summary>
    private static async Task<long> ClientsConnectedAsync(RedisServer redis)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"{redis.Configuration},allowAdmin=true");
        var info = await connection.GetServers().Single().InfoAsync("clients");
        // This call's interactive and subscription connections.
        return long.Parse(info.SelectMany(group => group).Single(pair => pair.Key == "connected_clients").Value) - 2;
    }

    /// <summary>A silo storing grains in a Redis that outlives it.</summary>
    private sealed class SiloOnRedisStorage(RedisServer redis) : SiloHostFixture
    {
        protected override IEnumerable<string> Arguments => redis.StorageConfiguration;
    }

    public sealed class Host : RedisSiloHostFixture
    {
        protected override IEnumerable<string> Arguments => [.. Redis.StorageConfiguration, "--Cluster:StoragePingTimeout=00:00:01"];
    }
}
