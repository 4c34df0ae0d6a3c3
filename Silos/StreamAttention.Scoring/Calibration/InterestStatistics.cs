namespace StreamAttention.Scoring.Calibration;

/// <summary>An interest's raw-score level (<paramref name="Mean"/>: the median) and spread (<paramref name="Deviation"/>: the scaled median absolute deviation) over a background sample of messages.</summary>
/// <param name="Generation">The background's generation they were measured at; −1 for the model's prior.</param>
public sealed record InterestStatistics(float Mean, float Deviation, long Generation)
{
    /// <summary>
    /// The deviation is kept at least this share of the prior's: an interest whose scores barely vary (no known words,
    /// or a background of near-copies) would otherwise turn any small difference into a huge z.
    /// </summary>
    public const float MinDeviationShare = 0.25f;

    /// <summary>Scales the median absolute deviation to the standard deviation of a normal distribution.</summary>
    private const float MadToDeviation = 1.4826f;

    /// <summary>
    /// The median of <paramref name="raw"/> and its median absolute deviation (scaled to a deviation): robust, so that
    /// the messages relevant to the interest, up to half of the background, do not raise its level (the same
    /// statistic when fitting and when scoring).
    /// </summary>
    public static (float Mean, float Deviation) Of(ReadOnlySpan<float> raw)
    {
        if (raw.IsEmpty)
        {
            return (0, 0);
        }
        var sorted = raw.ToArray();
        Array.Sort(sorted);
        var median = Median(sorted);
        for (var k = 0; k < sorted.Length; k++)
        {
            sorted[k] = Math.Abs(sorted[k] - median);
        }
        Array.Sort(sorted);
        return (median, MadToDeviation * Median(sorted));
    }

    private static float Median(float[] sorted)
        => sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}
