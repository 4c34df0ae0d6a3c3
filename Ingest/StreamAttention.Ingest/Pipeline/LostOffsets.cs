using Confluent.Kafka;

namespace StreamAttention.Ingest.Pipeline;

/// <summary>Offsets <paramref name="First"/> to <paramref name="Last"/> (inclusive) of a partition, removed by the broker before the ingest read them.</summary>
public sealed record LostOffsets(TopicPartition Partition, long First, long Last)
{
    /// <summary>How many offsets: an upper bound on the messages lost (compaction or transaction markers may have left some offsets empty).</summary>
    public long Count => Last - First + 1;
}
