using System.Numerics.Tensors;
using StreamAttention.Embeddings.Transformer;
using StreamAttention.Onnx;
using StreamAttention.Onnx.Options;

namespace StreamAttention.Embeddings.Tests;

[Collection(MiniLmModelCollection.Name)]
public sealed class MiniLmEmbeddingTests(MiniLmModelFixture model)
{
    [Fact]
    public void A_paraphrase_is_closer_than_an_unrelated_text()
    {
        using var embedder = new TransformerEmbedder(
            new TransformerEmbeddingOptions { ModelPath = model.Files.ModelPath, VocabPath = model.Files.VocabularyPath },
            new OnnxSessionFactory(new OnnxRuntimeOptions()));

        var batch = embedder.Embed([
            "database replication lag and failover",
            "The MySQL primary crashed and the standby took over, replication is behind by two minutes",
            "The bakery on the corner sells fresh bread and cakes every morning",
        ]);

        Assert.Equal(384, batch.Dimension);
        var paraphrase = TensorPrimitives.Dot(batch.PooledVector(0), batch.PooledVector(1));
        var unrelated = TensorPrimitives.Dot(batch.PooledVector(0), batch.PooledVector(2));
        Assert.True(paraphrase > unrelated + 0.2f, $"paraphrase {paraphrase}, unrelated {unrelated}");
        Assert.Equal(["database", "replication", "lag", "and", "failover"], batch.TokenTexts[0].Distinct());
    }

    [Fact]
    public void A_CUDA_request_that_falls_back_to_CPU_runs_the_model_that_Auto_chooses_for_CPU()
    {
        // This build's ONNX Runtime has no CUDA provider, so the session falls back to CPU.
        var fallback = new OnnxSessionFactory(new OnnxRuntimeOptions { ExecutionProvider = "cuda" });
        using var embedder = model.Files.CreateEmbedder(model.Options, fallback, logger: null);
        using var int8 = new TransformerEmbedder(model.Files.EmbedderOptions(model.Options, "cpu"), new OnnxSessionFactory(new OnnxRuntimeOptions()));
        using var floatModel = new TransformerEmbedder(model.Files.EmbedderOptions(model.Options, "cuda"), new OnnxSessionFactory(new OnnxRuntimeOptions()));
        string[] text = ["The MySQL primary crashed and the standby took over, replication is behind by two minutes"];

        var vector = embedder.Embed(text).PooledVector(0).ToArray();

        Assert.Equal("CPU", fallback.ActiveProvider);
        Assert.InRange(MaxDifference(vector, int8.Embed(text).PooledVector(0).ToArray()), 0, 1e-6);
        Assert.True(MaxDifference(vector, floatModel.Embed(text).PooledVector(0).ToArray()) > 1e-3, "the float model would embed the same");
    }

    private static float MaxDifference(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
}
