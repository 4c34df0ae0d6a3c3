using System.Numerics.Tensors;
using StreamAttention.Embeddings.StaticVectors;

namespace StreamAttention.Embeddings.Tests;

public class StaticWordEmbedderTests
{
    // Frequency order: "server" is the most frequent word, "postgresql" the rarest.
    private static readonly string[] Words = ["server", "database", "outage", "football", "match", "latency", "postgresql"];
    private const int Dimension = 6;

    private readonly WordVectors _vectors;

    public StaticWordEmbedderTests()
    {
        var random = new Random(3);
        var vectors = Enumerable.Range(0, Words.Length * Dimension).Select(_ => (Half)(random.NextDouble() * 4 - 2)).ToArray();
        _vectors = new WordVectors(Words, vectors, Dimension);
    }

    [Fact]
    public void Known_words_become_tokens_in_order_and_unknown_ones_are_counted()
    {
        using var embedder = Embedder();

        var batch = embedder.Embed(["The DATABASE zzzz outage, qqqq on the server"]);

        Assert.Equal(["database", "outage", "server"], batch.TokenTexts[0]);
        Assert.Equal(2, batch.UnknownWords[0]);
        Assert.False(batch.Truncated[0]);
        Assert.Equal("glove-6b-100d", embedder.Name);
        Assert.Equal(Dimension, embedder.Dimension);
    }

    /// <summary>
    /// The cluster's model check compares identities: silos that keep other words or weigh them otherwise are told
    /// apart, while the default settings keep the name, as the builds before compared it, so a default installation rolls.
    /// </summary>
    [Fact]
    public void Settings_that_change_the_tokens_are_part_of_the_identity_and_the_default_ones_are_known_by_the_name()
    {
        var defaults = new WordVectorOptions();
        var fullVocabulary = FullVocabulary();

        // As the cluster's model check reads it.
        using ITextEmbedder byDefault = new StaticWordEmbedder(fullVocabulary, defaults);
        using ITextEmbedder otherSif = new StaticWordEmbedder(fullVocabulary, new WordVectorOptions { SifA = 1e-4 });
        using ITextEmbedder fewerWords = new StaticWordEmbedder(_vectors, defaults);

        Assert.Equal("glove-6b-100d", byDefault.Identity);
        Assert.Equal("glove-6b-100d vocabulary 250000 sif 0.0001", otherSif.Identity);
        Assert.Equal("glove-6b-100d vocabulary 7 sif 0.001", fewerWords.Identity);
    }

    /// <summary>
    /// Known words past <c>MaxTokens</c> are cut from an interest and start another window of a message, so a long
    /// text embeds otherwise: silos that keep other counts are told apart, while the default count adds nothing.
    /// </summary>
    [Fact]
    public void The_tokens_kept_per_text_are_part_of_the_identity_where_they_are_not_the_default()
    {
        var fullVocabulary = FullVocabulary();
        using ITextEmbedder byDefault = new StaticWordEmbedder(fullVocabulary, new WordVectorOptions());
        using ITextEmbedder fewerTokens = new StaticWordEmbedder(fullVocabulary, new WordVectorOptions { MaxTokens = 32 });
        using var sevenWords = Embedder();
        using var sevenWordsFewerTokens = Embedder(maxTokens: 2);
        const string text = "database outage on the server";

        Assert.NotEqual(sevenWords.Embed([text]).PooledVector(0).ToArray(), sevenWordsFewerTokens.Embed([text]).PooledVector(0).ToArray());
        Assert.Equal("glove-6b-100d", byDefault.Identity);
        Assert.Equal("glove-6b-100d max-tokens 32", fewerTokens.Identity);
        Assert.Equal("glove-6b-100d vocabulary 7 sif 0.001 max-tokens 2", sevenWordsFewerTokens.Identity);
    }

    [Fact]
    public void Token_vectors_are_the_unit_word_vectors_and_padding_is_zero()
    {
        using var embedder = Embedder();

        var batch = embedder.Embed(["latency", "football match outage"]);

        Assert.Equal(3, batch.Tokens);
        Assert.Equal(UnitVector("latency"), batch.TokenVector(0, 0).ToArray(), Tolerance);
        Assert.Equal(UnitVector("outage"), batch.TokenVector(1, 2).ToArray(), Tolerance);
        for (var slot = 1; slot < 3; slot++)
        {
            Assert.All(batch.TokenVector(0, slot).ToArray(), value => Assert.Equal(0, value));
            Assert.Equal(0, batch.TokenWeights[slot]);
        }
        for (var slot = 0; slot < 3; slot++)
        {
            Assert.Equal(1, TensorPrimitives.Norm(batch.TokenVector(1, slot)), 1e-5f);
        }
    }

    [Fact]
    public void Weights_follow_the_sif_formula_so_rarer_words_weigh_more()
    {
        const double a = 1e-3;
        using var embedder = Embedder(sifA: a);

        var batch = embedder.Embed(["server postgresql database"]);

        var harmonic = Enumerable.Range(1, Words.Length).Sum(k => 1.0 / k);
        double Expected(string word) => a / (a + 1.0 / ((Array.IndexOf(Words, word) + 1) * harmonic));
        Assert.Equal(Expected("server"), batch.TokenWeights[0], 1e-6);
        Assert.Equal(Expected("postgresql"), batch.TokenWeights[1], 1e-6);
        Assert.Equal(Expected("database"), batch.TokenWeights[2], 1e-6);
        Assert.True(batch.TokenWeights[1] > batch.TokenWeights[2]);
        Assert.True(batch.TokenWeights[2] > batch.TokenWeights[0]);
    }

    [Fact]
    public void Pooled_is_the_weighted_mean_of_token_vectors_at_unit_length()
    {
        using var embedder = Embedder();

        var batch = embedder.Embed(["database outage latency database"]);

        var expected = new float[Dimension];
        for (var token = 0; token < batch.TokenCount(0); token++)
        {
            TensorPrimitives.MultiplyAdd(batch.TokenVector(0, token), batch.TokenWeights[token], expected, expected);
        }
        TensorPrimitives.Divide(expected, TensorPrimitives.Norm(expected), expected);
        Assert.Equal(expected, batch.PooledVector(0).ToArray(), Tolerance);
        Assert.Equal(1, TensorPrimitives.Norm(batch.PooledVector(0)), 1e-5f);
    }

    [Fact]
    public void Texts_longer_than_max_tokens_are_cut_and_marked()
    {
        using var embedder = Embedder(maxTokens: 3);

        var batch = embedder.Embed(["server database outage football match", "server zzzz database outage"]);

        Assert.Equal(3, batch.Tokens);
        Assert.Equal(["server", "database", "outage"], batch.TokenTexts[0]);
        Assert.True(batch.Truncated[0]);
        Assert.Equal(["server", "database", "outage"], batch.TokenTexts[1]);
        Assert.False(batch.Truncated[1]);
        Assert.Equal(1, batch.UnknownWords[1]);
    }

    [Theory]
    [InlineData("", 0)]
    [InlineData("the of and", 0)]
    [InlineData("kubernetes zzzz", 2)]
    public void A_text_without_known_words_has_no_tokens_and_a_zero_pooled_vector(string text, int unknownWords)
    {
        using var embedder = Embedder();

        var batch = embedder.Embed([text, "database"]);

        Assert.Empty(batch.TokenTexts[0]);
        Assert.Equal(0, batch.TokenWeights[0]);
        Assert.All(batch.PooledVector(0).ToArray(), value => Assert.Equal(0, value));
        Assert.All(batch.TokenVector(0, 0).ToArray(), value => Assert.Equal(0, value));
        Assert.Equal(unknownWords, batch.UnknownWords[0]);
        Assert.Single(batch.TokenTexts[1]);
    }

    [Fact]
    public void A_batch_of_empty_texts_still_has_one_token_slot()
    {
        using var embedder = Embedder();

        var batch = embedder.Embed(["", "zzzz"]);

        Assert.Equal(1, batch.Tokens);
        Assert.Equal(2, batch.Count);
        Assert.Equal([0, 1], batch.UnknownWords);
    }

    [Fact]
    public void An_empty_batch_is_empty()
    {
        using var embedder = Embedder();

        Assert.Equal(0, embedder.Embed([]).Count);
    }

    [Fact]
    public void Many_texts_embed_like_one_at_a_time()
    {
        using var embedder = Embedder();
        var random = new Random(5);
        var texts = Enumerable.Range(0, 500)
            .Select(_ => string.Join(' ', Enumerable.Range(0, random.Next(0, 12)).Select(_ => random.Next(3) == 0 ? "zzzz" : Words[random.Next(Words.Length)])))
            .ToArray();

        var batch = embedder.Embed(texts);

        for (var text = 0; text < texts.Length; text++)
        {
            var single = embedder.Embed([texts[text]]);
            Assert.Equal(single.TokenTexts[0], batch.TokenTexts[text]);
            Assert.Equal(single.UnknownWords[0], batch.UnknownWords[text]);
            Assert.Equal(single.Pooled, batch.PooledVector(text).ToArray());
        }
    }

    /// <summary>As many words as the default vocabulary keeps, so their count adds nothing to the identity.</summary>
    private static WordVectors FullVocabulary()
    {
        var size = new WordVectorOptions().VocabularySize;
        return new WordVectors([.. Enumerable.Range(0, size).Select(rank => $"w{rank}")], new Half[size], 1);
    }

    private StaticWordEmbedder Embedder(int maxTokens = 64, double sifA = 1e-3)
        => new(_vectors, new WordVectorOptions { MaxTokens = maxTokens, SifA = sifA });

    private float[] UnitVector(string word)
    {
        Assert.True(_vectors.TryGetIndex(word, out var index));
        var vector = _vectors.Vector(index).ToArray().Select(v => (float)v).ToArray();
        TensorPrimitives.Divide(vector, TensorPrimitives.Norm(vector), vector);
        return vector;
    }

    private static readonly FloatTolerance Tolerance = new(1e-5f);

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float value) => 0;
    }
}
