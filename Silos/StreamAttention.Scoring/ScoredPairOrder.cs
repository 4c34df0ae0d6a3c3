namespace StreamAttention.Scoring;

/// <summary>The order of scoring results: by message, best score first, then by interest (a total order, so any sort is deterministic).</summary>
internal static class ScoredPairOrder
{
    public static readonly IComparer<ScoredPair> Instance = Comparer<ScoredPair>.Create((a, b) =>
        a.MessageIndex != b.MessageIndex ? a.MessageIndex.CompareTo(b.MessageIndex)
        : a.Score != b.Score ? b.Score.CompareTo(a.Score)
        : a.InterestIndex.CompareTo(b.InterestIndex));
}
