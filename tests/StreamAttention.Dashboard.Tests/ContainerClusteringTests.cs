using System.Net;
using System.Net.Http.Json;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

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

    public sealed class Host : RedisSiloHostFixture
    {
        /// <summary>
        /// This machine's first IPv4 address outside loopback (a container's eth0); on a machine with loopback only,
        /// 127.0.0.2, still another address than the one the tests connect to.
        /// </summary>
        public IPAddress AdvertisedAddress { get; } = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a)) ?? IPAddress.Parse("127.0.0.2");

        public int SiloPort { get; } = LoopbackPort.Free();

        protected override IEnumerable<string> Arguments =>
            [.. base.Arguments, $"--Cluster:AdvertisedAddress={AdvertisedAddress}", $"--Cluster:SiloPort={SiloPort}"];
    }
}
