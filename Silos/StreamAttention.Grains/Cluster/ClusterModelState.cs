namespace StreamAttention.Grains.Cluster;

/// <summary>The model each silo that joined embeds with, by the silo's parsable address.</summary>
[GenerateSerializer, Alias("StreamAttention.ClusterModelState")]
public sealed class ClusterModelState
{
    [Id(0)]
    public Dictionary<string, string> ModelBySilo { get; set; } = [];
}
