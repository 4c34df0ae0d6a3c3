using StreamAttention.Embeddings;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring;

/// <summary>
/// The scoring formula of <see cref="TwoStageScorer"/> written as a plain per-pair loop in double precision,
/// with no pruning and no batching. It is the correctness oracle for the ONNX graphs and the benchmarks' baseline.
/// </summary>
public static class NaivePairScorer
{
    /// <summary>Prefilter cosine, attention score and attention weights of one (message, interest) pair.</summary>
    public static (double Prefilter, double Attention, double[] Weights) Score(TokenBatch messages, int message, ReadOnlySpan<float> query, ScoringOptions options)
    {
        var dimension = messages.Dimension;
        var prefilter = Dot(messages.PooledVector(message), query);
        var tokens = messages.TokenCount(message);
        if (tokens == 0)
        {
            return (prefilter, 0, []);
        }
        var weights = new double[tokens];
        var max = double.NegativeInfinity;
        for (var t = 0; t < tokens; t++)
        {
            var logit = options.AttentionScale * Dot(messages.TokenVector(message, t), query)
                + options.TokenWeightExponent * Math.Log(messages.TokenWeights[message * messages.Tokens + t]);
            weights[t] = logit;
            max = Math.Max(max, logit);
        }
        double sum = 0;
        for (var t = 0; t < tokens; t++)
        {
            weights[t] = Math.Exp(weights[t] - max);
            sum += weights[t];
        }
        var context = new double[dimension];
        for (var t = 0; t < tokens; t++)
        {
            weights[t] /= sum;
            var key = messages.TokenVector(message, t);
            for (var k = 0; k < dimension; k++)
            {
                context[k] += weights[t] * key[k];
            }
        }
        double dot = 0, norm = 0;
        for (var k = 0; k < dimension; k++)
        {
            dot += query[k] * context[k];
            norm += context[k] * context[k];
        }
        return (prefilter, dot / Math.Sqrt(Math.Max(norm, 1e-12)), weights);
    }

    /// <summary>Final score of a pair under the options' stage weighting.</summary>
    public static double Combine(double prefilter, double attention, ScoringOptions options)
        => options.AttentionWeight * attention + (1 - options.AttentionWeight) * prefilter;

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (var k = 0; k < a.Length; k++)
        {
            sum += (double)a[k] * b[k];
        }
        return sum;
    }
}
