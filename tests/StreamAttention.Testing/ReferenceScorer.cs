using StreamAttention.Embeddings;
using StreamAttention.Embeddings.StaticVectors;
using StreamAttention.Scoring;
using StreamAttention.Scoring.Lexical;
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
        var prefilter = Dot(messages.PooledVector(message), interests.Queries.Span.Slice(interest * dimension, dimension));
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

    /// <summary>Final score of a pair under the options' stage weighting, with term evidence <paramref name="lexical"/> (L) weighted by λ.</summary>
    public static double Combine(double prefilter, double attention, ScoringOptions options, double lexical = 0)
        => options.AttentionWeight * attention + (1 - options.AttentionWeight) * prefilter + options.LexicalWeight * lexical;

    /// <summary>
    /// Term evidence L of an interest's text in a message: BM25 (k₁ = 1.2, b = 0.75) over the interest's distinct
    /// non-stop words, each word's share divided by k₁ + 1 and the sum by Σ idf, with exact, undecayed document
    /// frequencies over <paramref name="stream"/> (the messages seen so far, the message included).
    /// </summary>
    public static double TermEvidence(string interestText, string messageText, IReadOnlyList<string> stream)
    {
        const double k1 = 1.2, b = 0.75;
        var stopWords = new HashSet<string>(EnglishStopWords.Words);
        var query = LexicalWords.Split(interestText).Where(w => !stopWords.Contains(w)).Distinct().ToArray();
        var words = LexicalWords.Split(messageText);
        var documents = stream.Select(t => LexicalWords.Split(t).ToHashSet()).ToArray();
        var averageLength = Math.Max(1, stream.Average(t => (double)LexicalWords.Split(t).Length));
        if (query.Length == 0 || words.Length == 0)
        {
            return 0;
        }
        double evidence = 0, total = 0;
        foreach (var word in query)
        {
            var frequency = documents.Count(d => d.Contains(word));
            var idf = Math.Log(1 + (documents.Length - frequency + 0.5) / (frequency + 0.5));
            var tf = words.Count(w => w == word);
            evidence += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * words.Length / averageLength)) / (k1 + 1);
            total += idf;
        }
        return evidence / total;
    }

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
