namespace StreamAttention.Scoring.Cascade;

/// <summary>
/// Which pairs the cascade rescores contextually. The model's cost is per message (each goes through MiniLM once), a
/// pair's only cross-attention on vectors already computed; so a message goes through the model when one of its pairs
/// is within <c>margin</c> of its threshold, and then every pair of it within the wider <c>pairMargin</c> is rescored,
/// at most <c>maxPairs</c> of them per row: those nearest their thresholds. A pair does cost a model run when its
/// interest's contextual vectors are not cached (<see cref="ContextualInterestQueries"/>), and with many interests a
/// message has thousands of pairs within the margin: the cap bounds what one message may cost.
/// </summary>
public static class CascadePairs
{
    /// <summary>Per row (message or window), the interest rows to rescore (empty: the row is not run) among <paramref name="fastPairs"/>.</summary>
    /// <param name="maxPairs">At most this many pairs per row, nearest their thresholds first (ties: the lower interest row); 0: no cap.</param>
    /// <param name="overCap">Pairs within <paramref name="pairMargin"/> of rows that are run, left to their fast scores by the cap.</param>
    public static int[][] Choose(IReadOnlyList<RowMatch> fastPairs, float[] thresholds, int messages, float margin, float pairMargin, int maxPairs, out long overCap)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxPairs);
        var chosen = new int[messages][];
        Array.Fill(chosen, []);
        overCap = 0;
        foreach (var pairs in fastPairs.GroupBy(p => p.MessageIndex))
        {
            if (!pairs.Any(p => p.Score >= thresholds[p.InterestIndex] - margin))
            {
                continue;
            }
            var withinPairMargin = pairs.Where(p => p.Score >= thresholds[p.InterestIndex] - pairMargin).ToArray();
            if (maxPairs > 0 && withinPairMargin.Length > maxPairs)
            {
                overCap += withinPairMargin.Length - maxPairs;
                withinPairMargin = withinPairMargin.OrderBy(p => Math.Abs(p.Score - thresholds[p.InterestIndex])).ThenBy(p => p.InterestIndex).Take(maxPairs).ToArray();
            }
            chosen[pairs.Key] = Array.ConvertAll(withinPairMargin, p => p.InterestIndex);
        }
        return chosen;
    }
}
