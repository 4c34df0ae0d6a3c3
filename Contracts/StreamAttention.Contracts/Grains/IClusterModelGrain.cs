namespace StreamAttention.Contracts.Grains;

/// <summary>
/// The embedding model each silo of the cluster embeds with (key 0). The shards' rows that one model embedded cannot be
/// scored against another's messages (another dimension, another space), so a silo may serve only where every other
/// active silo embeds with its model.
/// </summary>
[Alias("StreamAttention.IClusterModelGrain")]
public interface IClusterModelGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Records that <paramref name="silo"/> (its parsable address) embeds with <paramref name="model"/>, unless another
    /// active silo embeds with another model: that one is returned (and nothing recorded), else null. Silos no longer
    /// active do not count, so a whole cluster restarted with another model switches to it.
    /// </summary>
    [Alias("Join")]
    Task<string?> Join(string silo, string model);
}
