using StreamAttention.Contracts.Scoring;
using StreamAttention.Embeddings;
using StreamAttention.Embeddings.Distilled;
using StreamAttention.Scoring.Options;
using StreamAttention.Scoring.Tests.Graphs;

namespace StreamAttention.Scoring.Tests;

public sealed class InterestExpansionScoringTests
{
    private readonly HashingTestEmbedder _embedder = new();

    [Fact]
    public void An_expanded_interest_scores_by_the_formula_over_its_own_and_expansion_words_on_the_shared_word_engine()
    {
        var dimension = _embedder.Dimension;
        var axes = new float[dimension * dimension];
        for (var k = 0; k < dimension; k++)
        {
            axes[k * dimension + k] = 1;
        }
        // The sentence embedding is the interest's own pooled vector (identity map): its nearest candidates are added.
        using var expansion = new InterestExpansion(_embedder.Embed(["w1", "w2", "w4", "w5", "w6", "w7", "w8"]), SentenceProjection.Fit(axes, dimension, axes, dimension),
            count: 3, weight: 0.7, TestData.Sessions());
        var interests = _embedder.Embed(["w1 w2 w3", "w9"]);
        var expanded = expansion.Expand(interests, interests.Pooled);
        var options = new ScoringOptions { Calibration = ScoreCalibration.None };
        var rows = Enumerable.Range(0, expanded.Count).Select(i => expanded.Row(i, options.MaxQueriesPerInterest)).ToArray();
        var index = InterestIndex.FromRows([new InterestDefinition("a", "w1 w2 w3"), new InterestDefinition("b", "w9")], rows, dimension, options);
        var messages = _embedder.Embed(["w4 w5 w1", "w7 w3", "w8", "w2 w2 w6 w9 w4"]);
        using var scorer = new TwoStageScorer(TestData.Sessions(), options);

        var matches = scorer.Score(messages, index, minScoreOverride: -1);

        // Only candidates of positive cosine to the interest are added, at most 3 each.
        Assert.InRange(rows[0].Tokens.Length, 4, 6);
        Assert.Equal(["w1", "w2", "w3"], rows[0].Tokens[..3]);
        Assert.InRange(rows[1].Tokens.Length, 2, 4);
        Assert.Equal(messages.Count * 2, matches.Count);
        foreach (var match in matches)
        {
            Assert.Equal(ByHand(messages, match.MessageIndex, rows[match.InterestIndex], options), match.Score, 1e-5);
        }
    }

    /// <summary>
    /// AttentionWeight · Σⱼ (wⱼ / Σw) cos(qⱼ, softmax(scale · qⱼ·K + exponent · ln w_K) K) + (1 − AttentionWeight) · pooled cosine,
    /// from the row's tokens and weights themselves, in double.
    /// </summary>
    private static double ByHand(TokenBatch messages, int message, Contracts.Scoring.EmbeddedText row, ScoringOptions options)
    {
        var dimension = messages.Dimension;
        var tokens = messages.TokenCount(message);
        var total = row.TokenWeights.Sum(w => (double)w);
        double attention = 0;
        for (var j = 0; j < row.Tokens.Length; j++)
        {
            var query = row.TokenVectors.AsSpan(j * dimension, dimension);
            var logits = new double[tokens];
            for (var t = 0; t < tokens; t++)
            {
                logits[t] = options.AttentionScale * Dot(query, messages.TokenVector(message, t))
                    + options.TokenWeightExponent * Math.Log(messages.TokenWeights[message * messages.Tokens + t]);
            }
            var max = logits.Max();
            var weights = logits.Select(l => Math.Exp(l - max)).ToArray();
            var sum = weights.Sum();
            var context = new double[dimension];
            for (var t = 0; t < tokens; t++)
            {
                var key = messages.TokenVector(message, t);
                for (var k = 0; k < dimension; k++)
                {
                    context[k] += weights[t] / sum * key[k];
                }
            }
            double dot = 0, norm = 0;
            for (var k = 0; k < dimension; k++)
            {
                dot += query[k] * context[k];
                norm += context[k] * context[k];
            }
            attention += row.TokenWeights[j] / total * dot / Math.Sqrt(norm);
        }
        return options.AttentionWeight * attention + (1 - options.AttentionWeight) * Dot(row.Pooled, messages.PooledVector(message));
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (var k = 0; k < a.Length; k++)
        {
            sum += a[k] * b[k];
        }
        return sum;
    }
}
