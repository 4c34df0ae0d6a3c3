using Confluent.Kafka;

namespace StreamAttention.Ingest.Pipeline;

/// <summary>
/// What the consume loop read but has not handed to a batch yet: messages, and the offsets found lost before them
/// (<see cref="ReadPositions"/>). Those go into the batch of the message after them, so the partition is committed past
/// them only once their dead letter was acknowledged. Used by the consume loop's thread only.
/// </summary>
public sealed class UnprocessedInput
{
    private readonly ReadPositions _positions = new();
    private List<ConsumeResult<byte[]?, byte[]?>> _messages = [];
    private List<LostOffsets> _lost = [];

    public int Count => _messages.Count;

    /// <summary>Adds a message read; returns the offsets lost just before it (see <see cref="ReadPositions.Read"/>), or null.</summary>
    public LostOffsets? Add(ConsumeResult<byte[]?, byte[]?> result, Func<TopicPartition, long?> logStart, Func<TopicPartition, long?> committed)
    {
        var lost = _positions.Read(result.TopicPartition, result.Offset.Value, logStart, committed);
        if (lost is not null)
        {
            _lost.Add(lost);
        }
        _messages.Add(result);
        return lost;
    }

    /// <summary>Everything added since the last call, for one batch.</summary>
    public (List<ConsumeResult<byte[]?, byte[]?>> Messages, List<LostOffsets> Lost) Take()
    {
        var taken = (_messages, _lost);
        _messages = [];
        _lost = [];
        return taken;
    }

    /// <summary>
    /// Gives <paramref name="tracker"/> the consumer's <paramref name="position"/> in each partition of
    /// <paramref name="assignment"/> with no message waiting here (<see cref="OffsetTracker.ReadTo"/>): a position is past
    /// every message read, so where one still waits for a batch, the offsets before the position were not all processed.
    /// </summary>
    public void ReadTo(OffsetTracker tracker, IEnumerable<TopicPartition> assignment, Func<TopicPartition, Offset> position)
    {
        foreach (var partition in assignment)
        {
            if (!_messages.Exists(result => result.TopicPartition == partition) && position(partition) is { IsSpecial: false } read)
            {
                tracker.ReadTo(partition, read.Value);
            }
        }
    }

    /// <summary>
    /// Partitions revoked or lost: whoever gets them next (this consumer too) reads them again from the committed
    /// offset, and finds the same lost offsets again.
    /// </summary>
    public void Forget(IReadOnlyCollection<TopicPartition> partitions)
    {
        _messages.RemoveAll(result => partitions.Contains(result.TopicPartition));
        _lost.RemoveAll(lost => partitions.Contains(lost.Partition));
        _positions.Forget(partitions);
    }
}
