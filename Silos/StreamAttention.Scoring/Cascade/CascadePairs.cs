namespace StreamAttention.Scoring.Cascade;

/// <summary>
/// Which pairs the cascade rescores contextually. The model's cost is per message (each goes through MiniLM once), a
/// pair's only cross-attention on vectors already computed; so a message goes through the model when one of its pairs
/// is within <c>margin</c> of its threshold, and then every pair of it within the wider <c>pairMargin</c> is rescored.
/// </summary>
public static class CascadePairs
{
    /// <summary>Per message, the interest rows to rescore (empty: the message is not run) among <paramref name="fastPairs"/>.</summary>
    public static int[][] Choose(IReadOnlyList<RowMatch> fastPairs, float[] thresholds, int messages, float margin, float pairMargin)
    {
        var chosen = new int[messages][];
        Array.Fill(chosen, []);
        foreach (var pairs in fastPairs.GroupBy(p => p.MessageIndex))
        {
            if (pairs.Any(p => p.Score >= thresholds[p.InterestIndex] - margin))
            {
                chosen[pairs.Key] = pairs.Where(p => p.Score >= thresholds[p.InterestIndex] - pairMargin).Select(p => p.InterestIndex).ToArray();
            }
        }
        return chosen;
    }
}
