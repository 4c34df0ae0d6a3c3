using System.ComponentModel.DataAnnotations;

namespace StreamAttention.Grains.Options;

/// <summary>
/// How users' interests are split into scoring shards (section "Sharding"). Users map to shards by a stable hash of
/// their id, so <see cref="ShardCount"/> must stay the same for the life of the stored data: changing it re-maps
/// users away from the shards whose membership records list them.
/// </summary>
public sealed class ShardingOptions
{
    public const string SectionName = "Sharding";

    /// <summary>
    /// S, the number of shard grains. Shards spread over silos, and co-located shards share ONNX runs through the
    /// silo's dynamic batcher, so S bounds how many silos take part in scoring, not how many cores do: ONNX uses
    /// the cores of a silo within one run. A few shards per silo (S ≈ 2–4 × silos) keeps placement even.
    /// </summary>
    [Range(1, 4096)]
    public int ShardCount { get; set; } = 8;
}
