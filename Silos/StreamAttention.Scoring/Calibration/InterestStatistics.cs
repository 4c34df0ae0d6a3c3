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
    /// statistic when fitting and when scoring). One sort: the absolute deviations of the sorted scores are two sorted
    /// runs (falling below the median, rising above it; float subtraction is monotone), whose middle a merge finds.
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
        if (float.IsNaN(median))
        {
            return (median, float.NaN);
        }
        // NaNs sort first, and so do their deviations; then the two runs. Below: sorted[below] down to
        // sorted[numbers], deviations rising; above: sorted[above] up, rising too.
        var numbers = Array.FindIndex(sorted, x => !float.IsNaN(x));
        var above = Array.FindIndex(sorted, numbers, x => x >= median);
        var below = above - 1;
        var middle = sorted.Length / 2;
        float previous = 0, current = 0;
        for (var k = 0; k <= middle; k++)
        {
            previous = current;
            if (k < numbers)
            {
                current = float.NaN;
            }
            else if (above < sorted.Length && (below < numbers || sorted[above] - median <= median - sorted[below]))
            {
                current = Math.Abs(sorted[above++] - median);
            }
            else
            {
                current = Math.Abs(sorted[below--] - median);
            }
        }
        var deviation = sorted.Length % 2 == 1 ? current : (previous + current) / 2;
        return (median, MadToDeviation * deviation);
    }

    private static float Median(float[] sorted)
        => sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}
