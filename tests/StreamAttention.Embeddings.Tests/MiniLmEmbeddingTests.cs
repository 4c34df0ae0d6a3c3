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
}
