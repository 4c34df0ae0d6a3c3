using StreamAttention.Embeddings;
using StreamAttention.Scoring;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Testing;

/// <summary>
/// The scoring formula of <see cref="TwoStageScorer"/> written as a plain per-pair loop in double precision,
/// with no pruning and no batching. It is the correctness oracle for the ONNX graphs and the benchmarks' baseline.
/// </summary>
public static class ReferenceScorer
{
    /// <summary>Prefilter cosine, attention score and (query-weight averaged) attention weights of one (message, interest) pair.</summary>
    public static (double Prefilter, double Attention, double[] Weights) Score(TokenBatch messages, int message, InterestIndex interests, int interest, ScoringOptions options)
    {
        var dimension = messages.Dimension;
        var prefilter = Dot(messages.PooledVector(message), interests.Queries.AsSpan(interest * dimension, dimension));
        var tokens = messages.TokenCount(message);
        if (tokens == 0)
        {
            return (prefilter, 0, []);
        }
        double attentionScore = 0;
        var averageWeights = new double[tokens];
        var queries = interests.QueriesPerInterest;
        for (var j = 0; j < queries; j++)
        {
            var queryWeight = interests.QueryWeights[interest * queries + j];
            if (queryWeight == 0)
            {
                continue;
            }
            var (score, weights) = Attend(messages, message, interests.QueryVectors.AsSpan((interest * queries + j) * dimension, dimension), options);
            attentionScore += queryWeight * score;
            for (var t = 0; t < tokens; t++)
            {
                averageWeights[t] += queryWeight * weights[t];
            }
        }
        return (prefilter, attentionScore, averageWeights);
    }

    /// <summary>cos(q, softmax(scale·q·Kᵀ + prior)·K) and the softmax weights, for one query vector.</summary>
    private static (double Score, double[] Weights) Attend(TokenBatch messages, int message, ReadOnlySpan<float> query, ScoringOptions options)
    {
        var dimension = messages.Dimension;
        var tokens = messages.TokenCount(message);
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
        return (dot / Math.Sqrt(Math.Max(norm, 1e-12)), weights);
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
