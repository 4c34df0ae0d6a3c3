using System.Text;
using Confluent.Kafka;

namespace StreamAttention.Ingest.EmbeddedKafka.Tests;

public sealed class RoundTripTests
{
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
