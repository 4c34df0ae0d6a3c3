using System.Net.Sockets;

namespace StreamAttention.Ingest.EmbeddedKafka.Tests;

public sealed class LifecycleTests
{
    [Fact]
    public async Task DisposingClosesEveryBrokerAndLaterCallsAreRefused()
    {
        var cluster = EmbeddedKafkaCluster.Start(brokerCount: 2);
        var ports = cluster.BootstrapServers.Split(',').Select(server => int.Parse(server.Split(':')[1])).ToList();
        foreach (var port in ports)
        {
            using var open = new TcpClient();
            await open.ConnectAsync("127.0.0.1", port);
        }

        await cluster.DisposeAsync();
        cluster.Dispose();

        foreach (var port in ports)
        {
            using var closed = new TcpClient();
            await Assert.ThrowsAnyAsync<SocketException>(() => closed.ConnectAsync("127.0.0.1", port));
        }
        Assert.Throws<ObjectDisposedException>(() => cluster.CreateTopic("late", 1));
        Assert.Throws<ObjectDisposedException>(() => cluster.SetBrokerDown(EmbeddedKafkaCluster.AllBrokers));
    }

    [Fact]
    public void ClustersStartSideBySideOnTheirOwnPorts()
    {
        using var first = EmbeddedKafkaCluster.Start();
        using var second = EmbeddedKafkaCluster.Start();
        Assert.NotEqual(first.BootstrapServers, second.BootstrapServers);
    }
}
