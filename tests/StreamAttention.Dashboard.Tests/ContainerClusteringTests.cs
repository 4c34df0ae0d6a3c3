using System.Net;
using System.Net.Http.Json;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace StreamAttention.Dashboard.Tests;

/// <summary>
/// A silo configured as the deployment files configure it: Redis clustering and storage (Debian's redis-server),
/// and <c>Cluster:AdvertisedAddress</c> set to an address other than loopback, as a pod IP or compose service name is.
/// </summary>
public sealed class ContainerClusteringTests(ContainerClusteringTests.Host host) : IClassFixture<ContainerClusteringTests.Host>
{
    [Fact]
    public async Task Silo_advertises_the_configured_address_and_listens_on_every_interface()
    {
        var silo = host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        Assert.Equal(host.AdvertisedAddress, silo.Endpoint.Address);
        // Loopback is not the advertised address: the silo port answers there only because the silo listens on all interfaces.
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, host.SiloPort);
    }

    [Fact]
    public async Task Silo_joined_through_Redis_stores_and_scores_interests()
    {
        (await host.Http.PutAsJsonAsync("/users/redis-user/interests/db", new { text = Texts.DatabaseInterest })).EnsureSuccessStatusCode();
        var response = await host.Http.PostAsJsonAsync("/score", new { texts = new[] { Texts.DatabaseMessage } });
        var matches = (await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonObject>())!["matches"]!.AsArray();
        Assert.Contains(matches, m => (string?)m!["userId"] == "redis-user" && (string?)m["interestId"] == "db");
    }

    public sealed class Host : SiloHostFixture, IDisposable
    {
        private const string RedisServerPath = "/usr/bin/redis-server";

        /// <summary>Connection attempts while redis-server starts, <see cref="RedisPollInterval"/> apart; the bound only stops a server that never listens.</summary>
        private const int RedisPolls = 500;
        private static readonly TimeSpan RedisPollInterval = TimeSpan.FromMilliseconds(10);

        private readonly int _redisPort = LoopbackPort.Free();
        private readonly ChildProcess _redis;

        public Host()
        {
            Assert.True(File.Exists(RedisServerPath), $"{RedisServerPath} is missing: install the Debian package 'redis-server'");
            _redis = ChildProcess.Start(RedisServerPath, "--bind", "127.0.0.1", "--port", _redisPort.ToString(), "--save", "", "--appendonly", "no");
            WaitForRedis();
        }

        /// <summary>This machine's first IPv4 address outside loopback (a container's eth0).</summary>
        public IPAddress AdvertisedAddress { get; } = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(a => a.Address)
            .First(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));

        public int SiloPort { get; } = LoopbackPort.Free();

        protected override IEnumerable<string> Arguments =>
        [
            "--Cluster:Clustering=redis", $"--Cluster:Redis=127.0.0.1:{_redisPort}", $"--Cluster:AdvertisedAddress={AdvertisedAddress}",
            $"--Cluster:SiloPort={SiloPort}",
        ];

        public void Dispose() => _redis.Dispose();

        private void WaitForRedis()
        {
            for (var poll = 0; poll < RedisPolls; poll++)
            {
                try
                {
                    using var client = new TcpClient();
                    client.Connect(IPAddress.Loopback, _redisPort);
                    return;
                }
                catch (SocketException)
                {
                    Thread.Sleep(RedisPollInterval);
                }
            }
            throw new TimeoutException($"redis-server did not listen on port {_redisPort}");
        }
    }
}
