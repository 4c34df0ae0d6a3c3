using System.ComponentModel.DataAnnotations;

namespace StreamAttention.Grains.Options;

/// <summary>
/// The silo's dynamic batcher in front of its ONNX scoring session (section "Scoring:Batching"), like Triton's:
/// a run starts when <see cref="MaxBatchSize"/> requests or <see cref="MaxBatchMessages"/> messages wait, or the
/// oldest has waited <see cref="MaxQueueDelay"/>. At most <see cref="QueueCapacity"/> requests wait; more are refused
/// as busy. A request is one message batch of a gateway call against one index (the silo's, or one shard's).
/// </summary>
public sealed class DynamicBatchingOptions
{
    public const string SectionName = "Scoring:Batching";

    /// <summary>Requests taken from the queue at most per run.</summary>
    [Range(1, 4096)]
    public int MaxBatchSize { get; set; } = 64;

    /// <summary>
    /// Messages scored at most per run (a single larger request still runs alone): bounds how long any run, and so any
    /// caller, waits. Each window of a long message counts as one (Scoring:MaxWindows).
    /// </summary>
    [Range(1, 65536)]
    public int MaxBatchMessages { get; set; } = 1024;

    /// <summary>
    /// How long the first request of a run waits for others. Zero (the default) runs whatever is queued at once:
    /// requests arriving during a run still share the next one, so batches grow with load without adding latency
    /// when idle. A few milliseconds trade latency for larger runs.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan MaxQueueDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Requests that may wait; a request beyond is refused at once with ScoringBusyException (backpressure).</summary>
    [Range(1, 65536)]
    public int QueueCapacity { get; set; } = 64;
}
