using System.Diagnostics.Metrics;
using StreamAttention.Contracts.Diagnostics;

namespace StreamAttention.Grains.Shards;

/// <summary>
/// Instruments of the silo's dynamic batcher and of the gateway's routing on <see cref="StreamAttention.Contracts.Diagnostics.InstrumentNames.Meter"/>, next
/// to the scoring core's; created through the silo's meter factory, so silos sharing a process (tests) can be told apart.
/// </summary>
public sealed class BatchingInstruments
{
    /// <summary>Tag values of <see cref="Dropped"/>: the queue was full, or the caller gave up while the request was queued.</summary>
    public const string Busy = "busy";
    public const string Cancelled = "cancelled";

    private readonly Counter<long> _dropped;

    public BatchingInstruments(IMeterFactory meters)
    {
        Meter = meters.Create(InstrumentNames.Meter);
        BatchSize = Meter.CreateHistogram<int>(InstrumentNames.BatchSize, "{request}",
            "Queued requests (message batches against one index) scored together in one ONNX scoring run");
        BatchInterests = Meter.CreateHistogram<int>(InstrumentNames.BatchInterests, "{interest}",
            "Interests scored in one ONNX scoring run");
        QueueDelay = Meter.CreateHistogram<double>(InstrumentNames.BatchQueueDelay, "ms",
            "Time a request waited in the dynamic batcher's queue before its run started");
        ShardRequests = Meter.CreateCounter<long>(InstrumentNames.BatchShardRequests, "{request}",
            "Shards scored per message batch, tagged route=silo (covered by its silo's scoring grain) or route=shard (its own grain: changed, or not active)");
        // Both reasons exported at 0 from the start: an alert takes their increase.
        _dropped = Meter.CreateCounterFromZero(InstrumentNames.BatchDropped, "{request}",
            "Scoring requests not scored, tagged reason=busy (the queue was full) or reason=cancelled (the caller gave up while it was queued)", "reason", [Busy, Cancelled]);
    }

    public Meter Meter { get; }

    public Histogram<int> BatchSize { get; }

    public Histogram<int> BatchInterests { get; }

    public Histogram<double> QueueDelay { get; }

    public Counter<long> ShardRequests { get; }

    public void Dropped(string reason) => _dropped.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
