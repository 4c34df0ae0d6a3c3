using System.Net.Sockets;
using System.Text;
using Confluent.Kafka;

namespace StreamAttention.Ingest.EmbeddedKafka.Tests;

public sealed class RoundTripTests
{
    /// <summary>
    /// Brokers given ports (a firewall plan, a script's fixed address) are advertised there, each broker at its own,
    /// and reached there: a topic round-trips, and once stopped nothing listens on them.
    /// </summary>
    [Fact]
    public async Task BrokersGivenPortsAreReachedAndAdvertisedThere()
    {
        var (cluster, firstPort) = StartOnTwoConsecutiveFreePorts();
        await using (cluster)
        {
            Assert.Equal($"127.0.0.1:{firstPort},127.0.0.1:{firstPort + 1}", cluster.BootstrapServers);
            cluster.CreateTopic("given-ports", 4);
            using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build())
            {
                var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
                Assert.Equal([(1, "127.0.0.1", firstPort), (2, "127.0.0.1", firstPort + 1)], metadata.Brokers.OrderBy(b => b.BrokerId).Select(b => (b.BrokerId, b.Host, b.Port)));
            }
            using (var producer = new ProducerBuilder<string, string>(KafkaClients.Producer(cluster)).Build())
            {
                await KafkaClients.ProduceNumbered(producer, "given-ports", 40);
            }
            Assert.Equal(40, KafkaClients.ReadFromStart(cluster, "given-ports", 4, 40).Count);
        }
        foreach (var port in new[] { firstPort, firstPort + 1 })
        {
            using var probe = new TcpClient();
            await Assert.ThrowsAnyAsync<SocketException>(() => probe.ConnectAsync("127.0.0.1", port));
        }
    }

    /// <summary>The second of two free ports may be taken: the next pair is tried, a bounded number of times.</summary>
    private static (EmbeddedKafkaCluster Cluster, int FirstPort) StartOnTwoConsecutiveFreePorts()
    {
        for (var attempt = 1; ; attempt++)
        {
            var firstPort = LoopbackPort.Free();
            try
            {
                return (EmbeddedKafkaCluster.Start(brokerCount: 2, firstPort), firstPort);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse && attempt < 10)
            {
                // The next pair.
            }
        }
    }

    [Fact]
    public async Task KeyedMessagesRoundTripWithHeadersAndStayInTheirKeysPartition()
    {
        await using var cluster = EmbeddedKafkaCluster.Start(brokerCount: 3);
        const string topic = "round-trip";
        const int partitions = 6, count = 600;
        Assert.True(cluster.CreateTopic(topic, partitions));

        using (var producer = new ProducerBuilder<string, string>(KafkaClients.Producer(cluster)).Build())
        {
            var deliveries = Enumerable.Range(0, count).Select(i => producer.ProduceAsync(topic, new Message<string, string>
            {
                Key = $"user-{i % 25}",
                Value = $"message {i}",
                Headers = new Headers { { "sequence", Encoding.UTF8.GetBytes(i.ToString()) }, { "source", "test"u8.ToArray() } },
            }));
            await Task.WhenAll(deliveries).WaitAsync(KafkaClients.Deadline);
        }

        var received = KafkaClients.ReadFromStart(cluster, topic, partitions, count);

        Assert.Equal(count, received.Count);
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"message {i}").Order(), received.Select(r => r.Message.Value).Order());
        foreach (var result in received)
        {
            Assert.Equal($"message {Encoding.UTF8.GetString(result.Message.Headers.GetLastBytes("sequence"))}", result.Message.Value);
            Assert.Equal("test", Encoding.UTF8.GetString(result.Message.Headers.GetLastBytes("source")));
        }
        var partitionsPerKey = received.GroupBy(r => r.Message.Key).ToDictionary(g => g.Key, g => g.Select(r => r.Partition.Value).Distinct().Count());
        Assert.Equal(25, partitionsPerKey.Count);
        Assert.All(partitionsPerKey.Values, distinct => Assert.Equal(1, distinct));
        Assert.True(received.Select(r => r.Partition.Value).Distinct().Count() > 1, "25 keys should spread over several of 6 partitions");
        // Within a key (one partition) the order of production is kept.
        foreach (var key in received.GroupBy(r => r.Message.Key))
        {
            var sequence = key.OrderBy(r => r.Offset.Value).Select(r => int.Parse(r.Message.Value["message ".Length..])).ToList();
            Assert.Equal(sequence.Order(), sequence);
        }
    }

    [Fact]
    public void CreatingAnExistingTopicReportsItWithoutChangingIt()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        Assert.True(cluster.CreateTopic("twice", 2));
        Assert.False(cluster.CreateTopic("twice", 5));

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        var metadata = admin.GetMetadata("twice", TimeSpan.FromSeconds(10));
        Assert.Equal(2, Assert.Single(metadata.Topics).Partitions.Count);
    }

    [Fact]
    public void BrokersListenOnLoopbackAndAreAllAdvertised()
    {
        using var cluster = EmbeddedKafkaCluster.Start(brokerCount: 3);
        var servers = cluster.BootstrapServers.Split(',');
        Assert.Equal(3, servers.Length);
        Assert.All(servers, server => Assert.StartsWith("127.0.0.1:", server));

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = servers[0] }).Build();
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
        Assert.Equal([1, 2, 3], metadata.Brokers.Select(b => b.BrokerId).Order());
    }
}
