namespace StreamAttention.Evaluation;

/// <summary>Outcome counts of one threshold decision over (interest, message) pairs; adds up for micro-averaging.</summary>
public readonly record struct Confusion(int TruePositives, int FalsePositives, int FalseNegatives)
{
    /// <summary>TP / (TP + FP); 0 when nothing was predicted, so an alert-nothing threshold does not look precise.</summary>
    public double Precision => Ratio(TruePositives, TruePositives + FalsePositives);

    /// <summary>TP / (TP + FN); 0 when nothing was relevant.</summary>
    public double Recall => Ratio(TruePositives, TruePositives + FalseNegatives);

    /// <summary>2TP / (2TP + FP + FN), the harmonic mean of precision and recall; 0 when there is no true positive.</summary>
    public double F1 => Ratio(2 * TruePositives, 2 * TruePositives + FalsePositives + FalseNegatives);

    public static Confusion operator +(Confusion left, Confusion right) => new(
        left.TruePositives + right.TruePositives,
        left.FalsePositives + right.FalsePositives,
        left.FalseNegatives + right.FalseNegatives);

    private static double Ratio(int numerator, int denominator) => denominator == 0 ? 0 : (double)numerator / denominator;
}

/// <summary>A threshold and what it yields: messages scoring at or above it are predicted relevant.</summary>
public readonly record struct ThresholdChoice(float Threshold, Confusion Counts);

/// <summary>
/// Ranking and threshold metrics for one interest's scores over all messages (<c>scores[i]</c> belongs to the message
/// whose relevance is <c>relevant[i]</c>).
/// </summary>
/// <remarks>
/// Ties are broken pessimistically: among equal scores, irrelevant messages are ranked first. The result then depends
/// only on the scores, never on message order, and a method cannot gain from handing out many equal scores (BM25 gives 0
/// to every message without a query word).
/// </remarks>
public static class RankingMetrics
{
    /// <summary>
    /// Mean of precision@k over the ranks k of the relevant messages in the ranking of all messages;
    /// null when no message is relevant, since AP is undefined there.
    /// </summary>
    public static double? AveragePrecision(ReadOnlySpan<float> scores, ReadOnlySpan<bool> relevant)
    {
        var order = Rank(scores, relevant);
        var hits = 0;
        var precisionSum = 0.0;
        for (var rank = 0; rank < order.Length; rank++)
        {
            if (relevant[order[rank]])
            {
                hits++;
                precisionSum += (double)hits / (rank + 1);
            }
        }

        return hits == 0 ? null : precisionSum / hits;
    }

    /// <summary>Counts the outcome of predicting relevant every message scoring at least <paramref name="threshold"/>.</summary>
    public static Confusion Count(ReadOnlySpan<float> scores, ReadOnlySpan<bool> relevant, float threshold)
    {
        CheckShapes(scores, relevant);
        int truePositives = 0, falsePositives = 0, falseNegatives = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            var predicted = scores[i] >= threshold;
            if (predicted && relevant[i])
            {
                truePositives++;
            }
            else if (predicted)
            {
                falsePositives++;
            }
            else if (relevant[i])
            {
                falseNegatives++;
            }
        }

        return new Confusion(truePositives, falsePositives, falseNegatives);
    }

    /// <summary>
    /// The threshold with the highest F1, searched over the distinct scores; on equal F1 the higher threshold wins
    /// (fewer alerts for the same quality). With no relevant message it returns a threshold just above every score:
    /// the best such an interest can do is stay silent.
    /// </summary>
    public static ThresholdChoice BestF1Threshold(ReadOnlySpan<float> scores, ReadOnlySpan<bool> relevant)
    {
        var order = Rank(scores, relevant);
        var totalRelevant = 0;
        foreach (var isRelevant in relevant)
        {
            totalRelevant += isRelevant ? 1 : 0;
        }

        var silent = order.Length == 0 ? float.PositiveInfinity : MathF.BitIncrement(scores[order[0]]);
        var best = new ThresholdChoice(silent, new Confusion(0, 0, totalRelevant));
        var truePositives = 0;
        for (var rank = 0; rank < order.Length; rank++)
        {
            truePositives += relevant[order[rank]] ? 1 : 0;
            // A threshold admits every message with an equal score, so only the end of a run of ties is a candidate.
            if (rank + 1 < order.Length && scores[order[rank + 1]] == scores[order[rank]])
            {
                continue;
            }

            var candidate = new Confusion(truePositives, rank + 1 - truePositives, totalRelevant - truePositives);
            if (candidate.F1 > best.Counts.F1)
            {
                best = new ThresholdChoice(scores[order[rank]], candidate);
            }
        }

        return best;
    }

    /// <summary>Message indices from best to worst score, ties broken as described on the class.</summary>
    private static int[] Rank(ReadOnlySpan<float> scores, ReadOnlySpan<bool> relevant)
    {
        CheckShapes(scores, relevant);
        var keys = scores.ToArray();
        var flags = relevant.ToArray();
        var order = Enumerable.Range(0, keys.Length).ToArray();
        Array.Sort(order, (x, y) =>
        {
            var byScore = keys[y].CompareTo(keys[x]);
            if (byScore != 0)
            {
                return byScore;
            }

            var byRelevance = flags[x].CompareTo(flags[y]);
            return byRelevance != 0 ? byRelevance : x.CompareTo(y);
        });
        return order;
    }

    private static void CheckShapes(ReadOnlySpan<float> scores, ReadOnlySpan<bool> relevant)
    {
        if (scores.Length != relevant.Length)
        {
            throw new ArgumentException($"Got {scores.Length} scores but {relevant.Length} relevance flags.", nameof(relevant));
        }

        foreach (var score in scores)
        {
            if (float.IsNaN(score))
            {
                throw new ArgumentException("Scores must not be NaN: a NaN has no place in a ranking.", nameof(scores));
            }
        }
    }
}
