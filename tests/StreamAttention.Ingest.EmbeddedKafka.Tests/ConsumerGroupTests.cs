using Confluent.Kafka;

namespace StreamAttention.Ingest.EmbeddedKafka.Tests;

public sealed class ConsumerGroupTests
{
    [Fact]
    public async Task ANewGroupMemberResumesAtTheCommittedOffsets()
    {
        await using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "resume", group = "resume-group";
        const int partitions = 4, count = 200, firstShare = 80;
        cluster.CreateTopic(topic, partitions);
        using (var producer = new ProducerBuilder<string, string>(KafkaClients.Producer(cluster)).Build())
        {
            await KafkaClients.ProduceNumbered(producer, topic, count);
        }

        List<TopicPartitionOffset> committed;
        List<ConsumeResult<string, string>> first;
        using (var consumer = new ConsumerBuilder<string, string>(KafkaClients.Consumer(cluster, group)).Build())
        {
            consumer.Subscribe(topic);
            first = KafkaClients.Consume(consumer, firstShare);
            committed = consumer.Commit();
            consumer.Close();
        }
        Assert.Equal(firstShare, first.Count);
        // Each committed offset is one past the last message consumed from its partition.
        foreach (var partition in first.GroupBy(r => r.Partition))
        {
            Assert.Equal(partition.Max(r => r.Offset.Value) + 1, committed.Single(c => c.Partition == partition.Key).Offset.Value);
        }

        using var successor = new ConsumerBuilder<string, string>(KafkaClients.Consumer(cluster, group)).Build();
        successor.Subscribe(topic);
        var rest = KafkaClients.Consume(successor, count - firstShare);
        successor.Close();

        Assert.Equal(count - firstShare, rest.Count);
        Assert.Empty(first.Select(r => r.TopicPartitionOffset).Intersect(rest.Select(r => r.TopicPartitionOffset)));
        Assert.Equal(Enumerable.Range(0, count), first.Concat(rest).Select(r => int.Parse(r.Message.Value)).Order());
        foreach (var start in committed.Where(c => c.Offset.Value >= 0 && rest.Any(r => r.Partition == c.Partition)))
        {
            Assert.Equal(start.Offset.Value, rest.Where(r => r.Partition == start.Partition).Min(r => r.Offset.Value));
        }
    }
}
