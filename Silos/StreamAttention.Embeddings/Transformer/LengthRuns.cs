namespace StreamAttention.Embeddings.Transformer;

/// <summary>
/// Splits sequences sorted by length into model runs so that little compute goes to padding: every sequence of a run is
/// padded to the run's longest, and each run has a fixed cost of its own (ONNX Runtime's per-run dispatch of a few
/// hundred operators). Minimises Σ (rows × longest + <c>runOverhead</c>) over contiguous runs of at most
/// <c>maxRows</c>, exactly, by dynamic programming (n × maxRows steps).
/// </summary>
public static class LengthRuns
{
    /// <param name="sortedLengths">Sequence lengths, ascending.</param>
    /// <param name="maxRows">The most sequences per run.</param>
    /// <param name="runOverhead">A run's fixed cost, in padded positions.</param>
    /// <returns>The runs' ranges into <paramref name="sortedLengths"/>, in order.</returns>
    public static List<Range> Split(ReadOnlySpan<int> sortedLengths, int maxRows, int runOverhead)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        var count = sortedLengths.Length;
        // cost[j]: the cheapest split of the first j sequences; start[j]: where its last run begins.
        var cost = new long[count + 1];
        var start = new int[count + 1];
        for (var j = 1; j <= count; j++)
        {
            if (j > 1 && sortedLengths[j - 1] < sortedLengths[j - 2])
            {
                throw new ArgumentException("Lengths must be sorted ascending.", nameof(sortedLengths));
            }
            cost[j] = long.MaxValue;
            for (var i = Math.Max(0, j - maxRows); i < j; i++)
            {
                var candidate = cost[i] + (long)(j - i) * sortedLengths[j - 1] + runOverhead;
                if (candidate < cost[j])
                {
                    (cost[j], start[j]) = (candidate, i);
                }
            }
        }
        var runs = new List<Range>();
        for (var j = count; j > 0; j = start[j])
        {
            runs.Add(start[j]..j);
        }
        runs.Reverse();
        return runs;
    }
}
