namespace StreamAttention.Benchmarks;

internal static class Percentiles
{
    /// <summary>The nearest-rank percentile <paramref name="q"/> (0–1) of <paramref name="sorted"/>; NaN when it is empty.</summary>
    public static double Of(List<double> sorted, double q)
        => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
}
