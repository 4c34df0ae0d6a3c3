using Confluent.Kafka;
using StreamAttention.Ingest.EmbeddedKafka;

namespace StreamAttention.Testing;

/// <summary>Confluent.Kafka clients configured for a test against an embedded cluster, and bounded consumption.</summary>
public static class KafkaClients
{
    /// <summary>Classic group protocol: joins and leaves take session.timeout.ms − 1 s on the mock, so keep it short.</summary>
    public const int SessionTimeoutMs = 3000;

    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public static ProducerConfig Producer(EmbeddedKafkaCluster cluster, bool idempotent = true) => new()
    {
        BootstrapServers = cluster.BootstrapServers,
        EnableIdempotence = idempotent,
        LingerMs = 5,
    };

    public static ConsumerConfig Consumer(EmbeddedKafkaCluster cluster, string groupId) => Consumer(cluster.BootstrapServers, groupId);

    /// <summary><see cref="Consumer(EmbeddedKafkaCluster, string)"/> for a cluster in another process (<see cref="KafkaDevProcess"/>).</summary>
    public static ConsumerConfig Consumer(string bootstrapServers, string groupId) => new()
    {
        BootstrapServers = bootstrapServers,
        GroupId = groupId,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = false,
        SessionTimeoutMs = SessionTimeoutMs,
        HeartbeatIntervalMs = 1000,
    };

    /// <summary>Reads every partition of <paramref name="topic"/> from the start until <paramref name="count"/> messages or the deadline.</summary>
    public static List<ConsumeResult<string, string>> ReadFromStart(EmbeddedKafkaCluster cluster, string topic, int partitions, int count)
    {
        using var consumer = new ConsumerBuilder<string, string>(Consumer(cluster, "reader-" + Guid.NewGuid())).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        return Consume(consumer, count);
    }

    /// <summary>Consumes until <paramref name="count"/> messages or the deadline, whichever comes first.</summary>
    public static List<ConsumeResult<string, string>> Consume(IConsumer<string, string> consumer, int count)
    {
        var results = new List<ConsumeResult<string, string>>(count);
        var deadline = DateTime.UtcNow + Deadline;
        while (results.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } result)
            {
                results.Add(result);
            }
        }
        return results;
    }

    /// <summary>Produces <paramref name="count"/> messages with value = sequence number, waiting for every delivery.</summary>
    public static async Task<List<DeliveryResult<string, string>>> ProduceNumbered(IProducer<string, string> producer, string topic, int count, int start = 0)
    {
        var deliveries = Enumerable.Range(start, count)
            .Select(i => producer.ProduceAsync(topic, new Message<string, string> { Key = $"key-{i % 17}", Value = i.ToString() }))
            .ToList();
        return [.. await Task.WhenAll(deliveries).WaitAsync(Deadline)];
    }
}
