using System.Diagnostics.Metrics;
using StreamAttention.Contracts.Diagnostics;

namespace StreamAttention.Grains.Shards;

/// <summary>
/// Instruments of the silo's dynamic batcher on <see cref="InstrumentNames.Meter"/>, next to the scoring core's; created through
/// the silo's meter factory, so silos sharing a process (tests) can be told apart.
/// </summary>
public sealed class BatchingInstruments
{
    public BatchingInstruments(IMeterFactory meters)
    {
        Meter = meters.Create(InstrumentNames.Meter);
        BatchSize = Meter.CreateHistogram<int>(InstrumentNames.BatchSize, "{request}",
            "Queued requests (message batches, or single-shard requests) scored together in one ONNX scoring run");
        BatchInterests = Meter.CreateHistogram<int>(InstrumentNames.BatchInterests, "{interest}",
            "Interests scored in one ONNX scoring run");
        QueueDelay = Meter.CreateHistogram<double>(InstrumentNames.BatchQueueDelay, "ms",
            "Time a request waited in the dynamic batcher's queue before its run started");
        ShardRequests = Meter.CreateCounter<long>(InstrumentNames.BatchShardRequests, "{request}",
            "Shard scoring requests answered, tagged run=shared (from the silo-wide run of their message batch) or run=alone");
    }

    public Meter Meter { get; }

    public Histogram<int> BatchSize { get; }

    public Histogram<int> BatchInterests { get; }

    public Histogram<double> QueueDelay { get; }

    public Counter<long> ShardRequests { get; }
}
