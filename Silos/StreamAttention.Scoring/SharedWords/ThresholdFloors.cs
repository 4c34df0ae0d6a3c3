namespace StreamAttention.Scoring.SharedWords;

/// <summary>
/// Per distinct interest, the lowest threshold of its interests (<see cref="DistinctInterests.LowestThresholds"/>) and
/// the prefilter floor it gives, (θ − w)/(1 − w), kept for the last thresholds array and distinct interests: a silo
/// scores batch after batch against the same index's thresholds (the same raw thresholds array with calibration), so
/// they are formed once rather than per batch. Like <see cref="Calibration.InterestCalibration.RawThresholds"/>, it
/// takes an array given again as unchanged. Not thread-safe.
/// </summary>
internal sealed class ThresholdFloors(float attentionWeight)
{
    private float[]? _thresholds;
    private DistinctInterests? _distinct;

    /// <summary>[distinct interests]: the lowest threshold of each, as of the last <see cref="For"/>.</summary>
    public float[] Lowest { get; private set; } = [];

    /// <summary>[distinct interests]: the prefilter floor of each lowest threshold, as of the last <see cref="For"/>.</summary>
    public float[] Floor { get; private set; } = [];

    /// <summary>
    /// The lowest prefilter score p with which s = w·A + (1 − w)·p can reach <paramref name="threshold"/>, attention A
    /// being at most 1: (θ − w)/(1 − w). Both engines skip pairs below it.
    /// </summary>
    public static float FloorOf(float threshold, float attentionWeight) => (threshold - attentionWeight) / (1 - attentionWeight);

    public void For(DistinctInterests distinct, float[] thresholds)
    {
        if (ReferenceEquals(thresholds, _thresholds) && ReferenceEquals(distinct, _distinct))
        {
            return;
        }
        Lowest = distinct.LowestThresholds(thresholds);
        Floor = Lowest.Select(t => FloorOf(t, attentionWeight)).ToArray();
        (_thresholds, _distinct) = (thresholds, distinct);
    }
}
