using StreamAttention.Embeddings.Distilled;
using StreamAttention.Onnx;
using StreamAttention.Onnx.Options;

namespace StreamAttention.Embeddings.Tests;

public sealed class NearestWordsTests
{
    private const int Dimension = 5;
    private static readonly OnnxSessionFactory Sessions = new(new OnnxRuntimeOptions());

    /// <summary>
    /// Vectors of small integers: every dot product is an integer a float holds exactly in any summation order, so the
    /// matrix product and a loop per pair give the same scores, and equal scores (ties) are frequent.
    /// </summary>
    private static float[] IntegerVectors(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count * Dimension).Select(_ => (float)random.Next(-2, 3)).ToArray();
    }

    /// <summary>The brute-force reference: every positive score not of an own word, best first, ties in candidate order.</summary>
    private static (int Word, float Similarity)[] Reference(float[] words, string[] texts, ReadOnlySpan<float> key, string[] own, int count)
    {
        var scores = new List<(int Word, float Similarity)>();
        for (var w = 0; w < texts.Length; w++)
        {
            var score = 0f;
            for (var k = 0; k < Dimension; k++)
            {
                score += words[w * Dimension + k] * key[k];
            }
            if (score > 0 && !own.Contains(texts[w], StringComparer.OrdinalIgnoreCase))
            {
                scores.Add((w, score));
            }
        }
        return scores.OrderByDescending(s => s.Similarity).ThenBy(s => s.Word).Take(count).ToArray();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(40)]
    public void Each_key_gets_the_best_positive_words_but_its_own_with_ties_in_candidate_order(int count)
    {
        // 37 candidates and 11 keys: no multiple of a vector's width or of any block; 40 is more than any key's positives.
        var vectors = IntegerVectors(37, seed: 3);
        var texts = Enumerable.Range(0, 37).Select(w => $"w{w}").ToArray();
        var keys = IntegerVectors(11, seed: 4);
        var own = Enumerable.Range(0, 11).Select(k => k % 3 == 0 ? [] : new[] { $"W{k}", $"w{k + 10}", "other" }).ToArray();
        using var nearest = new NearestWords(vectors, texts, Dimension, Sessions);

        var found = nearest.Find(keys, own, count);

        Assert.Equal(11, found.Length);
        for (var k = 0; k < 11; k++)
        {
            Assert.Equal(Reference(vectors, texts, keys.AsSpan(k * Dimension, Dimension), own[k], count), found[k]);
        }
        // The arrangement has ties to order: some key keeps two words of one score.
        Assert.True(count < 2 || found.Any(words => words.Zip(words.Skip(1)).Any(pair => pair.First.Similarity == pair.Second.Similarity)));
    }

    [Fact]
    public void Fewer_positive_words_than_asked_are_all_returned_and_none_when_no_score_is_positive()
    {
        float[] vectors = [1, 0, 0, 0, 0, /**/ 0, 1, 0, 0, 0, /**/ -1, 0, 0, 0, 0, /**/ 0.5f, 0.5f, 0, 0, 0];
        using var nearest = new NearestWords(vectors, ["a", "b", "c", "d"], Dimension, Sessions);

        var found = nearest.Find([1, 0, 0, 0, 0, /**/ 0, 0, 0, 0, 1], [["A"], []], count: 3);

        Assert.Equal([(3, 0.5f)], found[0]);
        Assert.Empty(found[1]);
    }

    [Fact]
    public void No_candidates_or_no_keys_find_nothing_and_mismatched_shapes_are_rejected()
    {
        using var none = new NearestWords([], [], Dimension, Sessions);
        Assert.Equal([[]], none.Find([1, 0, 0, 0, 0], [[]], count: 2));
        using var nearest = new NearestWords(IntegerVectors(3, seed: 5), ["a", "b", "c"], Dimension, Sessions);
        Assert.Empty(nearest.Find([], [], count: 2));
        Assert.Throws<ArgumentException>(() => nearest.Find([1, 0, 0, 0], [[]], count: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => nearest.Find([1, 0, 0, 0, 0], [[]], count: -1));
        Assert.Throws<ArgumentException>(() => new NearestWords(IntegerVectors(3, seed: 5), ["a", "b"], Dimension, Sessions));
    }
}
