using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.DependencyInjection;
using StreamAttention.Embeddings;
using StreamAttention.Embeddings.Transformer;
using StreamAttention.Grains.Cluster;
using StreamAttention.Onnx;
using StreamAttention.Onnx.Options;

namespace StreamAttention.Grains.Tests;

public sealed class ClusterModelTests
{
    [Fact]
    public async Task A_silo_with_another_model_than_an_active_silo_is_refused_and_one_after_they_all_left_switches_the_cluster()
    {
        await using var cluster = await TestCluster.StartAsync(new SharedGrainStore(), silos: 2);
        var (first, second) = (cluster.Silos[0].SiloAddress, cluster.Silos[1].SiloAddress);
        // Both silos joined as they started, with the same embedder.
        var model = ClusterModelCheck.ModelOf(cluster.Silos[0].ServiceProvider.GetRequiredService<ITextEmbedder>());
        Assert.Equal("glove-6b-100d (100 dimensions)", model);
        await ClusterModelCheck.JoinAsync(cluster.Client, second, model);

        var refused = await Assert.ThrowsAsync<ValidationException>(() => ClusterModelCheck.JoinAsync(cluster.Client, second, "other-model (7 dimensions)"));
        Assert.Equal($"this silo embeds with other-model (7 dimensions), and the cluster's active silos with {model}: every silo of a cluster needs the same Embeddings settings (stop them all to switch models)",
            refused.Message);

        // With the first silo gone, the second is the only one left: it may switch, and then the other model is refused.
        await cluster.StopSiloAsync(cluster.Silos[0]);
        await ClusterModelCheck.JoinAsync(cluster.Client, second, "other-model (7 dimensions)");
        var back = await Assert.ThrowsAsync<ValidationException>(() => ClusterModelCheck.JoinAsync(cluster.Client, first, model));
        Assert.Contains("the cluster's active silos with other-model (7 dimensions)", back.Message);
    }

    [Fact]
    public async Task A_silo_with_another_model_under_the_same_name_is_refused()
    {
        await using var cluster = await TestCluster.StartAsync(new SharedGrainStore(), silos: 2);
        var (first, second) = (cluster.Silos[0].SiloAddress, cluster.Silos[1].SiloAddress);
        var files = Directory.CreateTempSubdirectory("cluster-model-");
        ValidationException refused;
        try
        {
            using var model = NamedTransformer(new TransformerTestModel(seed: 1).WriteTo(files.CreateSubdirectory("one").FullName));
            using var other = NamedTransformer(new TransformerTestModel(seed: 2).WriteTo(files.CreateSubdirectory("other").FullName));
            await cluster.StopSiloAsync(cluster.Silos[0]);

            await ClusterModelCheck.JoinAsync(cluster.Client, second, ClusterModelCheck.ModelOf(model));
            refused = await Assert.ThrowsAsync<ValidationException>(() => ClusterModelCheck.JoinAsync(cluster.Client, first, ClusterModelCheck.ModelOf(other)));
        }
        finally
        {
            files.Delete(recursive: true);
        }

        Assert.Matches("^this silo embeds with e5-small #[0-9a-f]{16} \\(8 dimensions\\), and the cluster's active silos with e5-small #[0-9a-f]{16} \\(8 dimensions\\):", refused.Message);
    }

    [Fact]
    public async Task A_join_whose_write_fails_leaves_the_models_as_stored_and_succeeds_when_retried()
    {
        var store = new SharedGrainStore();
        await using var cluster = await TestCluster.StartAsync(store, silos: 2);
        var (first, second) = (cluster.Silos[0].SiloAddress, cluster.Silos[1].SiloAddress);
        var model = ClusterModelCheck.ModelOf(cluster.Silos[0].ServiceProvider.GetRequiredService<ITextEmbedder>());
        await cluster.StopSiloAsync(cluster.Silos[0]);

        store.FailWritesOf("cluster-model");
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(() => ClusterModelCheck.JoinAsync(cluster.Client, second, "other-model (7 dimensions)"));
        }
        finally
        {
            store.FailWritesOf(null);
        }
        // As stored, the active silo embeds with the first model: a silo joining with it is not refused.
        await ClusterModelCheck.JoinAsync(cluster.Client, first, model);

        await ClusterModelCheck.JoinAsync(cluster.Client, second, "other-model (7 dimensions)");
        var stored = (ClusterModelState)store.Entries.Single(e => e.Key.StateName == "cluster-model").Value.State;
        Assert.Equal("other-model (7 dimensions)", stored.ModelBySilo[second.ToParsableString()]);
    }

    private static TransformerEmbedder NamedTransformer((string ModelPath, string VocabPath) files)
        => new(new TransformerEmbeddingOptions { ModelPath = files.ModelPath, VocabPath = files.VocabPath, Name = "e5-small" },
            new OnnxSessionFactory(new OnnxRuntimeOptions { IntraOpThreads = 1 }));
}
