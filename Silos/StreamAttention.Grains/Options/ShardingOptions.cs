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

    /// <summary>
    /// How often a shard checks that it is on its silo of the even spread (<see cref="Shards.ShardPlacement"/>) and
    /// moves there when not: the longest a silo that joined waits for its share. A move rebuilds the shard from its
    /// users on the new silo (~1.6 s for 20,000 interests), its batches meanwhile scored through the shard's grain.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SpreadCheck { get; set; } = TimeSpan.FromSeconds(10);
}
