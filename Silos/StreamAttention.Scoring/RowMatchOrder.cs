namespace StreamAttention.Scoring;

/// <summary>The order of scoring results: by message, best score first, then by interest (a total order, so any sort is deterministic).</summary>
internal static class RowMatchOrder
{
    public static readonly IComparer<RowMatch> Instance = Comparer<RowMatch>.Create((a, b) =>
        a.MessageIndex != b.MessageIndex ? a.MessageIndex.CompareTo(b.MessageIndex)
        : a.Score != b.Score ? b.Score.CompareTo(a.Score)
        : a.InterestIndex.CompareTo(b.InterestIndex));
}
