using System.ComponentModel.DataAnnotations;
using StreamAttention.Contracts.Grains;
using StreamAttention.Embeddings;

namespace StreamAttention.Grains.Cluster;

/// <summary>
/// As the silo becomes active, joins it to <see cref="IClusterModelGrain"/> with its embedder's model: a silo started
/// with other <c>Embeddings</c> settings than the cluster's active silos fails to start (its shards' rows and its
/// messages would not fit the others': every score and many writes failed), and the others go on.
/// </summary>
public sealed class ClusterModelCheck(IGrainFactory grains, ILocalSiloDetails silo, ITextEmbedder embedder) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle)
        => lifecycle.Subscribe(nameof(ClusterModelCheck), ServiceLifecycleStage.Active, _ => JoinAsync(grains, silo.SiloAddress, ModelOf(embedder)));

    /// <summary>
    /// What a silo's embeddings are told apart by: the model's identity (its name, and for a model a user brings the
    /// fingerprint of its files, <see cref="ITextEmbedder.Identity"/>) and dimension.
    /// </summary>
    public static string ModelOf(ITextEmbedder embedder) => $"{embedder.Identity} ({embedder.Dimension} dimensions)";

    /// <exception cref="ValidationException">Another active silo embeds with another model.</exception>
    public static async Task JoinAsync(IGrainFactory grains, SiloAddress silo, string model)
    {
        if (await grains.GetGrain<IClusterModelGrain>(0).Join(silo.ToParsableString(), model) is { } other)
        {
            throw new ValidationException($"this silo embeds with {model}, and the cluster's active silos with {other}: every silo of a cluster needs the same Embeddings settings (stop them all to switch models)");
        }
    }
}
