using System.Numerics.Tensors;
using StreamAttention.Embeddings.StaticVectors;

namespace StreamAttention.Embeddings.Tests;

[Collection(GloveVectorsCollection.Name)]
public class GloveVectorsTests(GloveVectorsFixture glove)
{
    [Fact]
    public void The_vocabulary_has_the_configured_size_in_frequency_order()
    {
        Assert.Equal(glove.Options.VocabularySize, glove.Vectors.Count);
        Assert.Equal(100, glove.Vectors.Dimension);
        Assert.True(glove.Vectors.TryGetIndex("the", out var the));
        Assert.Equal(1, WordVectors.Rank(the));
    }

    [Theory]
    [InlineData("postgresql")]
    [InlineData("json")]
    [InlineData("latency")]
    [InlineData("outage")]
    public void Technical_words_are_in_the_vocabulary(string word) => Assert.True(glove.Vectors.TryGetIndex(word, out _));

    [Theory]
    [InlineData("database outage", "postgres server down", "football match tonight")]
    [InlineData("postgresql replication lag", "mysql database latency", "the striker scored a late goal")]
    [InlineData("the striker scored a late goal", "football match tonight", "database outage")]
    [InlineData("central bank raises interest rates", "inflation and the stock market", "disk full on the json api server")]
    public void Related_texts_are_closer_than_unrelated_ones(string text, string related, string unrelated)
    {
        using var embedder = new StaticWordEmbedder(glove.Vectors, glove.Options);

        var batch = embedder.Embed([text, related, unrelated]);

        var toRelated = TensorPrimitives.Dot(batch.PooledVector(0), batch.PooledVector(1));
        var toUnrelated = TensorPrimitives.Dot(batch.PooledVector(0), batch.PooledVector(2));
        Assert.True(toRelated > toUnrelated, $"cos(related) {toRelated:F3} <= cos(unrelated) {toUnrelated:F3}");
    }

    [Fact]
    public void Ops_text_keeps_its_technical_words_at_unit_length()
    {
        using var embedder = new StaticWordEmbedder(glove.Vectors, glove.Options);

        var batch = embedder.Embed(["PostgreSQL JSON parsing errors in eu-west-1, p99 latency up"]);

        Assert.Contains("postgresql", batch.TokenTexts[0]);
        Assert.Contains("json", batch.TokenTexts[0]);
        Assert.Equal(1, TensorPrimitives.Norm(batch.PooledVector(0)), 1e-4f);
        for (var token = 0; token < batch.TokenCount(0); token++)
        {
            Assert.Equal(1, TensorPrimitives.Norm(batch.TokenVector(0, token)), 1e-4f);
        }
    }

    [Fact]
    public void Known_hyphenated_compounds_are_single_tokens()
    {
        using var embedder = new StaticWordEmbedder(glove.Vectors, glove.Options);

        var batch = embedder.Embed(["Real-time e-mail alerts from eu-west-1"]);

        Assert.Equal(["real-time", "e-mail", "alerts", "eu", "west"], batch.TokenTexts[0]);
    }

    [Fact]
    public void Rare_words_weigh_more_than_frequent_ones()
    {
        using var embedder = new StaticWordEmbedder(glove.Vectors, glove.Options);
        Assert.True(glove.Vectors.TryGetIndex("said", out var said));
        Assert.True(glove.Vectors.TryGetIndex("postgresql", out var postgresql));

        Assert.True(embedder.Weight(postgresql) > embedder.Weight(said));
    }
}
