namespace StreamAttention.Scoring.SharedWords;

/// <summary>
/// A chunk's prefilter floors tightened by its attention bounds. A pair reaches its threshold θ only if
/// w·B + (1 − w)·p ≥ θ, with B the interest's attention bound over the chunk (<see cref="SharedWordAttention.AttentionBounds"/>;
/// a message without tokens has attention 0, hence max(B, 0)), so only if p ≥ (θ − w·max(B, 0))/(1 − w): far above the
/// floor at B = 1 for most interests. Computed in double and lowered by a margin that covers float rounding, so no
/// candidate that the exact check after it (the score's own float operations) keeps is lost.
/// </summary>
public static class BoundedFloors
{
    /// <summary>Far above the few float roundings between this floor and the exact check.</summary>
    private const double RoundingMargin = 1e-5;

    /// <summary>Per interest, the larger of its <paramref name="floor"/> and the floor its chunk bound allows; a new array (floors are per chunk).</summary>
    public static float[] Of(float[] floor, float[] thresholds, ReadOnlySpan<float> bounds, float weight)
    {
        var tightened = new float[floor.Length];
        for (var i = 0; i < floor.Length; i++)
        {
            var bounded = (thresholds[i] - weight * Math.Max((double)bounds[i], 0)) / (1 - weight) - RoundingMargin;
            // NaN (a NaN bound, or ∞ − ∞): no tighter floor.
            tightened[i] = double.IsNaN(bounded) ? floor[i] : Math.Max(floor[i], (float)bounded);
        }
        return tightened;
    }
}
