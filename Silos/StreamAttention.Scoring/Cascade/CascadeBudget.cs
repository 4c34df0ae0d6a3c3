namespace StreamAttention.Scoring.Cascade;

/// <summary>
/// Bounds the cascade's model cost (<see cref="Options.ScoringOptions.CascadeMaxMessageShare"/>): at most that share of
/// a run's messages go through the contextual model. Of the messages <see cref="CascadePairs"/> chose, those most likely
/// to change a decision keep their pairs (<see cref="Priority"/>); the rest keep their fast scores. A run may take
/// share × its messages; the fraction left over carries to the next run, so small runs (one message) reach the share on
/// average too. A share of 1 passes every choice through. Thread-safe.
/// </summary>
public sealed class CascadeBudget(double maxMessageShare)
{
    /// <summary>Absorbs rounding in the carried fraction (0.2 × 5 summed is not exactly 1).</summary>
    private const double Rounding = 1e-9;

    private readonly Lock _lock = new();
    private double _carried;

    public double MaxMessageShare => maxMessageShare;

    /// <summary>
    /// <paramref name="chosen"/> (per message the interest rows to rescore, empty: not run), with only the messages the
    /// budget allows still chosen: by <see cref="Priority"/>, highest first, ties to the earlier message.
    /// </summary>
    public int[][] Limit(int[][] chosen, IReadOnlyList<RowMatch> fastPairs, float[] thresholds, float margin)
    {
        if (maxMessageShare >= 1)
        {
            return chosen;
        }
        int allowed;
        lock (_lock)
        {
            var allowance = maxMessageShare * chosen.Length + _carried;
            allowed = (int)Math.Floor(allowance + Rounding);
            _carried = Math.Max(0, allowance - allowed);
        }
        var candidates = Enumerable.Range(0, chosen.Length).Where(m => chosen[m].Length > 0).ToArray();
        if (candidates.Length <= allowed)
        {
            return chosen;
        }
        var priority = Priority(fastPairs, thresholds, chosen.Length, margin);
        var kept = candidates.OrderByDescending(m => priority[m]).ThenBy(m => m).Take(allowed).ToHashSet();
        return chosen.Select((rows, m) => kept.Contains(m) ? rows : []).ToArray();
    }

    /// <summary>
    /// Per message, how likely its rescoring changes a decision: the sum over its pairs within <paramref name="margin"/>
    /// of their threshold of 1 − |score − threshold| / margin (a pair on its threshold counts 1, one at the margin's edge
    /// or beyond 0). Many pairs near their thresholds outweigh a single one.
    /// </summary>
    public static double[] Priority(IReadOnlyList<RowMatch> fastPairs, float[] thresholds, int messages, float margin)
    {
        var priority = new double[messages];
        foreach (var pair in fastPairs)
        {
            var distance = Math.Abs(pair.Score - thresholds[pair.InterestIndex]);
            if (distance < margin)
            {
                priority[pair.MessageIndex] += 1 - distance / margin;
            }
        }
        return priority;
    }
}
