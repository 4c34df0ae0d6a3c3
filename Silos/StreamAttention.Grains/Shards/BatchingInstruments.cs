using System.Diagnostics.Metrics;

namespace StreamAttention.Grains.Shards;

/// <summary>
/// Instruments of the silo's dynamic batcher on meter "StreamAttention", next to the scoring core's; created through
/// the silo's meter factory, so silos sharing a process (tests) can be told apart.
/// </summary>
public sealed class BatchingMetrics
{
    public BatchingMetrics(IMeterFactory meters)
    {
        Meter = meters.Create(StreamAttention.Scoring.ScoringMetrics.MeterName);
        BatchSize = Meter.CreateHistogram<int>("streamattention.scoring.batch_size", "{request}",
            "Queued requests (message batches, or single-shard requests) scored together in one ONNX scoring run");
        BatchInterests = Meter.CreateHistogram<int>("streamattention.scoring.batch_interests", "{interest}",
            "Interests scored in one ONNX scoring run");
        QueueDelay = Meter.CreateHistogram<double>("streamattention.scoring.queue_delay", "ms",
            "Time a request waited in the dynamic batcher's queue before its run started");
        ShardRequests = Meter.CreateCounter<long>("streamattention.scoring.shard_requests", "{request}",
            "Shard scoring requests answered, tagged run=shared (from the silo-wide run of their message batch) or run=alone");
    }

    public Meter Meter { get; }

    public Histogram<int> BatchSize { get; }

    public Histogram<int> BatchInterests { get; }

    public Histogram<double> QueueDelay { get; }

    public Counter<long> ShardRequests { get; }
}
