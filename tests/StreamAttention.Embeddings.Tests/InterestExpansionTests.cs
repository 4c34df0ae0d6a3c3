using System.ComponentModel.DataAnnotations;
using System.Numerics.Tensors;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Embeddings.Distilled;
using StreamAttention.Onnx;
using StreamAttention.Onnx.Options;

namespace StreamAttention.Embeddings.Tests;

public sealed class InterestExpansionTests
{
    private static readonly OnnxSessionFactory Sessions = new(new OnnxRuntimeOptions());

    /// <summary>Unit words of a 3-d table: two near "outage", one near "lag", one opposite, one of two tokens (no candidate).</summary>
    private static TokenBatch Candidates()
    {
        string[][] words = [["outage"], ["downtime"], ["crash"], ["lag"], ["sunny"], ["two", "tokens"]];
        float[][] vectors = [[1, 0, 0], [0.8f, 0.6f, 0], [0.8f, 0.6f, 0], [0, 1, 0], [-1, 0, 0], [0, 0, 1]];
        var batch = new TokenBatch(words.Length, 2, 3);
        for (var i = 0; i < words.Length; i++)
        {
            batch.TokenTexts[i] = words[i];
            for (var t = 0; t < words[i].Length; t++)
            {
                vectors[i].CopyTo(batch.TokenVector(i, t));
                batch.TokenWeights[i * batch.Tokens + t] = 1;
            }
        }
        return batch;
    }

    /// <summary>The identity map of 3 dimensions, fitted on the unit axes.</summary>
    private static SentenceProjection Identity() => SentenceProjection.Fit([1, 0, 0, 0, 1, 0, 0, 0, 1], 3, [1, 0, 0, 0, 1, 0, 0, 0, 1], 3);

    /// <summary>One interest "outage x" with the given own token vectors and weights.</summary>
    private static TokenBatch Interest(params (string Word, float[] Vector, float Weight)[] tokens)
    {
        var batch = new TokenBatch(1, tokens.Length, 3);
        batch.TokenTexts[0] = tokens.Select(t => t.Word).ToArray();
        for (var t = 0; t < tokens.Length; t++)
        {
            tokens[t].Vector.CopyTo(batch.TokenVector(0, t));
            batch.TokenWeights[t] = tokens[t].Weight;
        }
        new float[] { 1, 0, 0 }.CopyTo(batch.PooledVector(0));
        batch.Texts[0] = "the interest";
        return batch;
    }

    [Fact]
    public void The_nearest_words_to_the_mapped_sentence_follow_the_own_words_weighted_by_cosine_and_the_mean_own_weight()
    {
        using var expansion = new InterestExpansion(Candidates(), Identity(), count: 2, weight: 0.5, Sessions);
        var interest = Interest(("outage", [1, 0, 0], 0.2f), ("db", [0, 0, 1], 0.6f));
        float[] sentence = [0.6f, 0.8f, 0];

        var expanded = expansion.Expand(interest, sentence);

        // Cosines to (0.6, 0.8, 0): outage 0.6 (own word, skipped), downtime = crash 0.96 (tie: candidate order), lag 0.8.
        Assert.Equal(["outage", "db", "downtime", "crash"], expanded.TokenTexts[0]);
        Assert.Equal([1, 0, 0], expanded.TokenVector(0, 0).ToArray());
        Assert.Equal([0.8f, 0.6f, 0], expanded.TokenVector(0, 2).ToArray());
        Assert.Equal(0.2f, expanded.TokenWeights[0]);
        Assert.Equal(0.6f, expanded.TokenWeights[1]);
        Assert.Equal(0.5 * 0.96 * 0.4, expanded.TokenWeights[2], 5);
        Assert.Equal(0.5 * 0.96 * 0.4, expanded.TokenWeights[3], 5);
        // The mapped vector, rounded to fixed point as it is kept and stored.
        Assert.Equal([19660 / 32767f, 26214 / 32767f, 0], expanded.PooledVector(0).ToArray());
        Assert.Equal("the interest", expanded.Texts[0]);
    }

    [Fact]
    public void Only_words_of_positive_cosine_are_added_and_a_text_without_words_or_sentence_is_left_as_it_was()
    {
        using var expansion = new InterestExpansion(Candidates(), Identity(), count: 4, weight: 1, Sessions);
        var texts = TokenBatch.Concat([Interest(("lag", [0, 1, 0], 1f)), Interest(("lag", [0, 1, 0], 1f)), new TokenBatch(1, 1, 3)], 3);

        var expanded = expansion.Expand(texts, [1, 0, 0, 0, 0, 0, 0, 0, 1]);

        // Text 0: "sunny" (−1) and "lag" (own) are not added; "two tokens" is no candidate.
        Assert.Equal(["lag", "outage", "downtime", "crash"], expanded.TokenTexts[0]);
        Assert.Equal(["lag"], expanded.TokenTexts[1]);
        Assert.Equal([1, 0, 0], expanded.PooledVector(1).ToArray());
        Assert.Empty(expanded.TokenTexts[2]);
        Assert.All(expanded.PooledVector(2).ToArray(), x => Assert.Equal(0, x));
    }

    [Fact]
    public void Interests_expanded_together_across_search_groups_gain_what_each_gains_alone()
    {
        using var expansion = new InterestExpansion(Candidates(), Identity(), count: 2, weight: 1, Sessions);
        var random = new Random(9);
        var sentences = Enumerable.Range(0, 70 * 3).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();

        var together = expansion.Expand(TokenBatch.Concat(Enumerable.Range(0, 70).Select(_ => Interest(("lag", [0, 1, 0], 1f))).ToArray(), 3), sentences);

        // 70 interests: two full search groups and a part of one.
        for (var i = 0; i < 70; i++)
        {
            var alone = expansion.Expand(Interest(("lag", [0, 1, 0], 1f)), sentences.AsSpan(i * 3, 3));
            Assert.Equal(alone.TokenTexts[0], together.TokenTexts[i]);
            AssertClose(alone.TokenWeights.AsSpan(0, alone.TokenCount(0)).ToArray(), together.TokenWeights.AsSpan(i * together.Tokens, together.TokenCount(i)));
        }
    }

    [Fact]
    public void No_expansion_words_keeps_the_tokens_and_maps_the_pooled_vector_only()
    {
        using var expansion = new InterestExpansion(Candidates(), Identity(), count: 0, weight: 1, Sessions);

        var expanded = expansion.Expand(Interest(("lag", [0, 1, 0], 1f)), [0, 0, 2]);

        Assert.Equal(["lag"], expanded.TokenTexts[0]);
        AssertClose([0, 0, 1], expanded.PooledVector(0));
    }

    [Fact]
    public void The_projection_recovers_a_linear_map_from_pairs_and_maps_to_unit_vectors()
    {
        var random = new Random(7);
        float[,] map = { { 1, 2 }, { 0, 1 }, { -1, 0.5f }, { 3, 0 } };
        var keys = new float[400 * 4];
        var targets = new float[400 * 2];
        for (var r = 0; r < 400; r++)
        {
            for (var i = 0; i < 4; i++)
            {
                keys[r * 4 + i] = (float)(random.NextDouble() * 2 - 1);
                for (var j = 0; j < 2; j++)
                {
                    targets[r * 2 + j] += keys[r * 4 + i] * map[i, j];
                }
            }
        }

        var projection = SentenceProjection.Fit(keys, 4, targets, 2);
        var mapped = new float[2];

        Assert.True(projection.Project([1, 0, 0, 1], mapped));
        var expected = new[] { 4f, 2f };
        TensorPrimitives.Divide(expected, TensorPrimitives.Norm<float>(expected), expected);
        Assert.Equal(expected[0], mapped[0], 3);
        Assert.Equal(expected[1], mapped[1], 3);
        Assert.False(projection.Project([0, 0, 0, 0], mapped));
        Assert.Throws<ArgumentException>(() => SentenceProjection.Fit(keys, 4, targets.AsSpan(1).ToArray(), 2));
    }

    [Fact]
    public void Mismatched_shapes_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new InterestExpansion(Candidates(), SentenceProjection.Fit([1, 0, 0, 1], 2, [1, 0, 0, 1], 2), 2, 1, Sessions));
        using var expansion = new InterestExpansion(Candidates(), Identity(), 2, 1, Sessions);
        Assert.Throws<ArgumentException>(() => expansion.Expand(Interest(("lag", [0, 1, 0], 1f)), [1, 0]));
    }

    private static void AssertClose(float[] expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var k = 0; k < expected.Length; k++)
        {
            Assert.Equal(expected[k], actual[k], 5);
        }
    }

    [Theory]
    [InlineData(-1, 1.0, false)]
    [InlineData(17, 1.0, false)]
    [InlineData(2, -0.1, false)]
    [InlineData(0, 0.0, true)]
    [InlineData(16, 100.0, true)]
    public void Expansion_options_are_validated(int words, double weight, bool valid)
    {
        var options = new DistilledModelOptions { ExpansionWords = words, ExpansionWeight = weight };
        Assert.Equal(valid, Validator.TryValidateObject(options, new ValidationContext(options), [], validateAllProperties: true));
    }
}

public sealed class ExpansionCacheTests
{
    [Fact]
    public void Keeps_at_most_its_capacity_dropping_the_oldest_first()
    {
        var cache = new ExpansionCache(2);
        TextExpansion Of(int word) => new([32767], [word], [0.5f]);
        cache.Add("a", Of(1));
        cache.Add("b", Of(2));
        cache.Add("a", Of(9));
        cache.Add("c", Of(3));
        var found = new TextExpansion?[3];

        var missing = cache.Fill(["a", "b", "c"], found);

        Assert.Equal([0], missing);
        Assert.Equal((2, 3), (found[1]!.Words[0], found[2]!.Words[0]));
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void Entries_already_filled_are_left_as_they_are()
    {
        var cache = new ExpansionCache(2);
        cache.Add("a", new([32767], [1], [0.5f]));
        var restored = new TextExpansion([32767], [5], [0.5f]);
        var found = new[] { restored, null };

        var missing = cache.Fill(["a", "b"], found);

        Assert.Equal([1], missing);
        Assert.Same(restored, found[0]);
    }

    [Fact]
    public void A_capacity_of_zero_keeps_nothing()
    {
        var cache = new ExpansionCache(0);
        cache.Add("a", new([32767], [1], [0.5f]));

        Assert.Equal([0], cache.Fill(["a"], new TextExpansion?[1]));
    }
}

public sealed class ExpansionStorageTests
{
    private static readonly float[] Axes = [1, 0, 0, 1];

    [Fact]
    public void An_expansion_reads_back_as_found_with_its_words_as_text()
    {
        var storage = new ExpansionStorage(7, ["car", "road", "music"], 2);
        var found = new TextExpansion([19660, 26214], [2, 0], [0.9f, 0.4f]);

        var stored = storage.Store(found);
        var restored = storage.Restore(stored)!;

        Assert.Equal(7L, stored.Key);
        Assert.Equal(["music", "car"], stored.Words);
        Assert.Equal(found.Pooled, restored.Pooled);
        Assert.Equal(found.Words, restored.Words);
        Assert.Equal(found.Similarities, restored.Similarities);
        Assert.Null(storage.Restore(stored with { Key = 8 }));
        Assert.Null(storage.Restore(stored with { Words = ["music", "train"] }));
        Assert.Null(storage.Restore(stored with { Pooled = [32767] }));
        Assert.Null(storage.Restore(stored with { Pooled = null }));
    }

    [Fact]
    public void An_expansion_stored_with_a_float_vector_reads_back_with_it_in_fixed_point_as_found()
    {
        var storage = new ExpansionStorage(7, ["car", "road", "music"], 2);
        float[] vector = [0.6f, 0.8f];
        var stored = new StoredExpansion(7, vector, ["music", "car"], [0.9f, 0.4f], null);

        var restored = storage.Restore(stored)!;

        Assert.Equal([19660, 26214], restored.Pooled);
        Assert.Equal([2, 0], restored.Words);
        Assert.False(ExpansionStorage.IsCurrent(stored));
        Assert.True(ExpansionStorage.IsCurrent(storage.Store(restored)));
    }

    [Fact]
    public void The_key_changes_with_the_table_the_sentence_model_the_map_and_the_counts()
    {
        var map = SentenceProjection.Fit(Axes, 2, Axes, 2);
        var other = SentenceProjection.Fit(Axes, 2, [0, 1, 1, 0], 2);
        var key = ExpansionStorage.KeyOf("table", "minilm", map, 2, 64);

        Assert.Equal(key, ExpansionStorage.KeyOf("table", "minilm", SentenceProjection.Fit(Axes, 2, Axes, 2), 2, 64));
        Assert.All(
            new[]
            {
                ExpansionStorage.KeyOf("other table", "minilm", map, 2, 64), ExpansionStorage.KeyOf("table", "minilm-int8", map, 2, 64),
                ExpansionStorage.KeyOf("table", "minilm", other, 2, 64), ExpansionStorage.KeyOf("table", "minilm", map, 3, 64),
                ExpansionStorage.KeyOf("table", "minilm", map, 2, 32),
            },
            k => Assert.NotEqual(key, k));
    }
}
