namespace StreamAttention.Scoring.Calibration;

/// <summary>An interest's raw-score mean and deviation over a background sample of messages.</summary>
/// <param name="Generation">The background's generation they were measured at; −1 for the model's prior.</param>
public sealed record InterestStatistics(float Mean, float Deviation, long Generation)
{
    /// <summary>
    /// The deviation is kept at least this share of the prior's: an interest whose scores barely vary (no known words,
    /// or a background of near-copies) would otherwise turn any small difference into a huge z.
    /// </summary>
    public const float MinDeviationShare = 0.25f;

    /// <summary>Mean and population deviation of <paramref name="raw"/> (the same statistic when fitting and scoring).</summary>
    public static (float Mean, float Deviation) Of(ReadOnlySpan<float> raw)
    {
        double sum = 0, squares = 0;
        foreach (var value in raw)
        {
            sum += value;
            squares += (double)value * value;
        }
        return FromSums(sum, squares, raw.Length);
    }

    /// <summary>Mean and population deviation of <paramref name="count"/> values from their sum and sum of squares.</summary>
    public static (float Mean, float Deviation) FromSums(double sum, double squares, int count)
    {
        var mean = sum / Math.Max(count, 1);
        var variance = Math.Max(squares / Math.Max(count, 1) - mean * mean, 0);
        return ((float)mean, (float)Math.Sqrt(variance));
    }
}
