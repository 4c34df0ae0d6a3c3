using System.ComponentModel.DataAnnotations;

namespace StreamAttention.Grains.Options;

/// <summary>
/// The silo's dynamic batcher in front of its ONNX scoring session (section "Scoring:Batching"), like Triton's:
/// a run starts when <see cref="MaxBatchSize"/> shard requests wait or the oldest has waited <see cref="MaxQueueDelay"/>.
/// </summary>
public sealed class DynamicBatchingOptions
{
    public const string SectionName = "Scoring:Batching";

    /// <summary>Requests (message batches, or requests for one user) taken from the queue at most per run.</summary>
    [Range(1, 4096)]
    public int MaxBatchSize { get; set; } = 64;

    /// <summary>
    /// How long the first request of a batch waits for others. Zero (the default) runs whatever is queued at once:
    /// requests arriving during a run still share the next one, so batches grow with load without adding latency
    /// when idle; co-located shards share runs regardless, through the silo index.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan MaxQueueDelay { get; set; } = TimeSpan.Zero;
}
