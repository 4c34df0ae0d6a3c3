using Confluent.Kafka;
using StreamAttention.Ingest.EmbeddedKafka;

namespace StreamAttention.Ingest.Tests;

/// <summary>
/// Another member of a consumer group, subscribed to a topic of its own: its joining rebalances the group (the ingest's
/// partitions revoked and assigned to it again) without taking any of them. Polls until disposed, then leaves the group.
/// </summary>
public sealed class GroupMember : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _polling;

    public GroupMember(EmbeddedKafkaCluster kafka, string groupId, string topic)
    {
        _polling = Task.Run(() =>
        {
            using var consumer = new ConsumerBuilder<byte[], byte[]>(KafkaClients.Consumer(kafka, groupId)).Build();
            consumer.Subscribe(topic);
            while (!_stop.IsCancellationRequested)
            {
                consumer.Consume(TimeSpan.FromMilliseconds(100));
            }
            consumer.Close();
        });
    }

    /// <summary>Leaves the group (a rebalance); again, does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _polling;
    }
}
