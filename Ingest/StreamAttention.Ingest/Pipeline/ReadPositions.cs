using Confluent.Kafka;

namespace StreamAttention.Ingest.Pipeline;

/// <summary>
/// Finds offsets the broker removed before the consumer read them (retention, or the log's start moved): librdkafka
/// then reads on from the log's start (<c>auto.offset.reset</c>) with only a warning in its log. A partition's next
/// offset is the one after its last message read, or, for its first message since it was assigned, the group's
/// committed offset. A message past that offset while the offset lies below the log's start means the offsets in
/// between are gone; the gaps a log keeps itself (compaction, transaction markers) lie above its start and are not
/// reported. A group without a committed offset starts at the log's start: nothing it never had is lost. Used by the
/// consume loop's thread only.
/// </summary>
public sealed class ReadPositions
{
    private readonly Dictionary<TopicPartition, long> _next = [];

    /// <param name="logStart">The partition's log start as the consumer last heard it; null when unknown. Asked only when a message skips offsets.</param>
    /// <param name="committed">The group's committed offset of the partition, null when none; asked once per assignment, for its first message past offset 0.</param>
    /// <returns>The offsets lost just before this message, or null.</returns>
    public LostOffsets? Read(TopicPartition partition, long offset, Func<TopicPartition, long?> logStart, Func<TopicPartition, long?> committed)
    {
        var expected = _next.TryGetValue(partition, out var next) ? next : offset > 0 ? committed(partition) : null;
        _next[partition] = offset + 1;
        if (expected is not { } first || offset <= first || logStart(partition) is not { } start || first >= start)
        {
            return null;
        }
        // The log's start may have moved past this message since it was fetched: what lies between it and the message was delivered.
        return new LostOffsets(partition, first, Math.Min(offset, start) - 1);
    }

    /// <summary>Partitions no longer assigned: their next assignment starts again from the committed offset.</summary>
    public void Forget(IEnumerable<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            _next.Remove(partition);
        }
    }
}
