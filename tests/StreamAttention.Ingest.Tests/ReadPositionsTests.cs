using Confluent.Kafka;
using StreamAttention.Ingest.Pipeline;

namespace StreamAttention.Ingest.Tests;

/// <summary>
/// Which offsets count as lost: those the consumer skipped while they lay below the log's start (removed before they
/// were read), from the group's committed offset or the last message read; not a new group's start, nor the gaps a
/// log keeps itself.
/// </summary>
public sealed class ReadPositionsTests
{
    private static readonly TopicPartition Partition = new(Traffic.InputTopic, 3);

    [Fact]
    public void Offsets_from_the_committed_one_to_the_log_start_are_lost_when_the_first_message_is_read_past_them()
    {
        var positions = new ReadPositions();

        Assert.Equal(new LostOffsets(Partition, 2, 6), positions.Read(Partition, 7, _ => 7, _ => 2));
        Assert.Null(positions.Read(Partition, 8, _ => 7, _ => throw new InvalidOperationException("asked once per assignment")));
    }

    [Fact]
    public void Offsets_removed_between_two_messages_read_are_lost()
    {
        var positions = new ReadPositions();
        Assert.Null(positions.Read(Partition, 10, _ => 0, _ => 10));

        Assert.Equal(new LostOffsets(Partition, 11, 499), positions.Read(Partition, 500, _ => 500, _ => null));
    }

    [Fact]
    public void A_group_without_a_committed_offset_starts_at_the_log_start_and_loses_nothing()
        => Assert.Null(new ReadPositions().Read(Partition, 5000, _ => 5000, _ => null));

    [Fact]
    public void Offsets_skipped_above_the_log_start_are_the_logs_own_gaps_not_losses()
    {
        var positions = new ReadPositions();
        Assert.Null(positions.Read(Partition, 4, _ => 0, _ => 4));

        // A transaction marker or a compacted record at 5: the log still starts at 0.
        Assert.Null(positions.Read(Partition, 6, _ => 0, _ => null));
    }

    [Fact]
    public void Only_what_lies_below_the_log_start_is_lost_and_a_start_past_the_message_counts_up_to_it()
    {
        var positions = new ReadPositions();
        Assert.Null(positions.Read(Partition, 1, _ => 0, _ => 1));

        // The log starts at 8, its first record (a marker) is gone: 2–7 were removed, 8 never held a message.
        Assert.Equal(new LostOffsets(Partition, 2, 7), positions.Read(Partition, 9, _ => 8, _ => null));
        // Retention moved on past the next message while it waited in the consumer's queue: it was read all the same.
        Assert.Null(positions.Read(Partition, 10, _ => 50, _ => null));
        Assert.Equal(new LostOffsets(Partition, 11, 19), positions.Read(Partition, 20, _ => 50, _ => null));
    }

    [Fact]
    public void A_partition_assigned_again_starts_from_its_committed_offset()
    {
        var positions = new ReadPositions();
        Assert.Null(positions.Read(Partition, 1, _ => 0, _ => 1));
        positions.Forget([Partition]);

        Assert.Equal(new LostOffsets(Partition, 1, 29), positions.Read(Partition, 30, _ => 30, _ => 1));
    }

    [Fact]
    public void A_first_message_at_offset_zero_needs_no_committed_offset()
        => Assert.Null(new ReadPositions().Read(Partition, 0, _ => 0, _ => throw new InvalidOperationException("nothing precedes offset 0")));
}
