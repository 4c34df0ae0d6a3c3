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

    [Fact]
    public void A_partition_with_a_message_read_and_not_in_a_batch_yet_is_not_read_to_the_consumers_position()
    {
        var tracker = new OffsetTracker();
        var unprocessed = new UnprocessedInput();
        var other = new TopicPartition("in", 1);
        tracker.Track(Read(0)).Complete();
        tracker.Track([new ConsumeResult<byte[]?, byte[]?> { TopicPartitionOffset = new TopicPartitionOffset(other, 0) }]).Complete();
        // Offset 1 was read and waits for a batch; the consumer's position in both partitions is 5.
        unprocessed.Add(Read(1)[0], _ => null, _ => null);

        unprocessed.ReadTo(tracker, [Partition, other], _ => new Offset(5));
        Assert.Equal([new TopicPartitionOffset(Partition, 1), new TopicPartitionOffset(other, 5)], Sorted(tracker.Committable()));

        var (waiting, _) = unprocessed.Take();
        tracker.Track(waiting).Complete();
        unprocessed.ReadTo(tracker, [Partition, other], _ => new Offset(5));
        Assert.Equal([new TopicPartitionOffset(Partition, 5), new TopicPartitionOffset(other, 5)], Sorted(tracker.Committable()));
    }

    private static List<TopicPartitionOffset> Sorted(List<TopicPartitionOffset> offsets) => [.. offsets.OrderBy(offset => offset.Partition.Value)];
}
