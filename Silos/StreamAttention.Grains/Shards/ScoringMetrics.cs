using System.Diagnostics.Metrics;

namespace StreamAttention.Grains.Shards;

/// <summary>Instruments of the dynamic batcher on meter "StreamAttention".</summary>
public sealed class ScoringMetrics
{
    public const string MeterName = "StreamAttention";

    public ScoringMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        BatchSize = meter.CreateHistogram<int>("streamattention.scoring.batch_size", "{request}",
            "Shard scoring requests served by one ONNX scoring run");
        BatchInterests = meter.CreateHistogram<int>("streamattention.scoring.batch_interests", "{interest}",
            "Interests scored in one ONNX scoring run");
        QueueDelay = meter.CreateHistogram<double>("streamattention.scoring.queue_delay", "ms",
            "Time a shard scoring request waited in the dynamic batcher's queue");
    }

    public Histogram<int> BatchSize { get; }

    public Histogram<int> BatchInterests { get; }

    public Histogram<double> QueueDelay { get; }
}
