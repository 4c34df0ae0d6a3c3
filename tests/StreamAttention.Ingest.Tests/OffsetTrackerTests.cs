using Confluent.Kafka;
using StreamAttention.Ingest.Pipeline;

namespace StreamAttention.Ingest.Tests;

public sealed class OffsetTrackerTests
{
    private static readonly TopicPartition Partition = new("in", 0);

    private static ConsumeResult<byte[]?, byte[]?>[] Read(params long[] offsets)
        => [.. offsets.Select(offset => new ConsumeResult<byte[]?, byte[]?> { TopicPartitionOffset = new TopicPartitionOffset(Partition, offset) })];

    [Fact]
    public void Offsets_read_past_after_the_last_batch_are_committed_once_every_batch_finished()
    {
        var tracker = new OffsetTracker();
        var first = tracker.Track(Read(0, 1));
        var second = tracker.Track(Read(2));

        // Offset 3 is a transaction's marker: the consumer's position is 4.
        first.Complete();
        tracker.ReadTo(Partition, 4);
        Assert.Equal([new TopicPartitionOffset(Partition, 2)], tracker.Committable());
        second.Complete();
        tracker.ReadTo(Partition, 4);
        Assert.Equal([new TopicPartitionOffset(Partition, 4)], tracker.Committable());
        Assert.Equal(4, tracker.Unprocessed(Partition));
    }

    [Fact]
    public void A_partition_assigned_again_is_not_committed_to_a_position_before_a_message_of_it_was_read()
    {
        var tracker = new OffsetTracker();
        tracker.Track(Read(0)).Complete();
        tracker.Forget([Partition]);
        // Resumed at 1; the position may still be the last assignment's, past messages read then and never processed.
        tracker.Resumed(Partition, 1);
        tracker.ReadTo(Partition, 9);
        Assert.Equal([new TopicPartitionOffset(Partition, 1)], tracker.Committable());

        tracker.Track(Read(1)).Complete();
        tracker.ReadTo(Partition, 3);
        Assert.Equal([new TopicPartitionOffset(Partition, 3)], tracker.Committable());
    }
}
