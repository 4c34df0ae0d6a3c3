using System.Numerics.Tensors;
using StreamAttention.Embeddings.Distilled;
using StreamAttention.Onnx;
using StreamAttention.Onnx.Options;

namespace StreamAttention.Embeddings.Tests;

[Collection(MiniLmModelCollection.Name)]
public sealed class TokenTableDistillerTests(MiniLmModelFixture miniLm)
{
    [Fact]
    public void Frequent_words_of_several_pieces_are_distilled_whole_and_embedded_as_themselves()
    {
        // Below id 10,000: "fail" 8246 + "##over" 7840, "song" 2299 + "##book" 8654; "database" (7809) is one piece,
        // "roadside" (25131) is past the limit, and "songbook" is past WholeWords.
        var options = new DistilledModelOptions { VocabularyLimit = 10_000, Dimension = 32, RemovedComponents = 2, WholeWords = 3, MaxTokens = 8 };
        var table = TokenTableDistiller.Distill(miniLm.Files, options, "test", new OnnxSessionFactory(new OnnxRuntimeOptions()),
            ["failover", "database", "roadside", "songbook"], progress: null, CancellationToken.None);

        Assert.Equal(["failover"], table.Words);
        Assert.True(table.TryGetWordVector("failover", out var failover));
        Assert.Equal(1, TensorPrimitives.Norm(failover), 4);
        Assert.False(table.TryGetWordVector("database", out _));
        Assert.Equal(1, TensorPrimitives.Norm(table.Vector(7_809)), 4);

        using var embedder = new DistilledEmbedder(table, miniLm.Files.VocabularyPath, options);
        var batch = embedder.Embed(["Failover songbook"]);

        Assert.Equal(["failover", "songbook"], batch.TokenTexts[0]);
        Assert.Equal(1, TensorPrimitives.Dot(failover, batch.TokenVector(0, 0)), 5);
        Assert.Equal(1, TensorPrimitives.Norm(batch.TokenVector(0, 1)), 4);
        Assert.Equal(table.Weights[8_654], batch.TokenWeights[1]);

        using var written = new MemoryStream();
        table.Write(written);
        written.Position = 0;
        var read = DistilledTokenTable.Read(written);
        Assert.Equal(table.Words, read.Words);
        Assert.Equal(table.WordVectors, read.WordVectors);
    }

    [Fact]
    public void A_frequent_word_with_accents_is_distilled_whole_under_the_name_the_embedder_looks_it_up_by()
    {
        // Without its accent (as the uncased embedder reads it) "soirée" is "so" 2061 + "##ire" 7442 + "##e" 2063; a
        // precomposed "é" is no piece of the vocabulary. The decomposed spelling is the same word, distilled once.
        var options = new DistilledModelOptions { VocabularyLimit = 10_000, Dimension = 32, RemovedComponents = 2, WholeWords = 2, MaxTokens = 8 };
        var table = TokenTableDistiller.Distill(miniLm.Files, options, "test", new OnnxSessionFactory(new OnnxRuntimeOptions()),
            ["soir\u00E9e", "soire\u0301e"], progress: null, CancellationToken.None);

        Assert.Equal(["soiree"], table.Words);
        Assert.True(table.TryGetWordVector("soiree", out var soiree));

        using var embedder = new DistilledEmbedder(table, miniLm.Files.VocabularyPath, options);
        var batch = embedder.Embed(["Soir\u00E9e", "SOIRE\u0301E"]);

        for (var text = 0; text < 2; text++)
        {
            Assert.Equal(["soiree"], batch.TokenTexts[text]);
            Assert.Equal(1, TensorPrimitives.Dot(soiree, batch.TokenVector(text, 0)), 5);
        }
    }
}
