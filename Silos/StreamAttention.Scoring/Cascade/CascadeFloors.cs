namespace StreamAttention.Scoring.Cascade;

/// <summary>
/// What a cascade run derives from its index's thresholds (and a score override), formed once per thresholds array and
/// override instead of every run: the wider fast pass's floor (the pair margin below the lowest threshold), and per
/// interest the scores from which either pass makes highlights (a little below the score a pair is kept from). The
/// arrays are the size of the index and stay the same objects, so the calibration's raw thresholds for them are kept
/// from run to run (<see cref="Calibration.InterestCalibration.RawThresholds"/>) rather than formed for every interest
/// of it each run.
/// </summary>
internal sealed class CascadeFloors
{
    /// <summary>Below a threshold that a score is compared with after a map (onto the contextual scale, or the calibration's raw thresholds): more than the map's rounding.</summary>
    private const float MapRounding = 1e-4f;

    private readonly float[] _thresholds;
    private readonly float? _override;

    public CascadeFloors(float[] thresholds, float? minScoreOverride, float pairMargin, ContextualScoreMap? contextualScale)
    {
        (_thresholds, _override) = (thresholds, minScoreOverride);
        // Per interest, the score a pair is kept from: its threshold, or the override.
        var keptFrom = minScoreOverride is { } min ? Enumerable.Repeat(min, thresholds.Length).ToArray() : thresholds;
        WiderPassFloor = Math.Min(minScoreOverride ?? float.PositiveInfinity, thresholds.Length == 0 ? float.PositiveInfinity : thresholds.Min() - pairMargin);
        // Highlights only for the pairs that may be kept; a mapped score may round to either side of its threshold, so
        // a little lower floor gives them to a few more pairs rather than to too few.
        FastHighlightFrom = Array.ConvertAll(keptFrom, t => t - MapRounding);
        ContextualHighlightFrom = contextualScale is { } scale ? Array.ConvertAll(keptFrom, t => scale.ToContextual(t) - MapRounding) : keptFrom;
    }

    /// <summary>The cascade's wider fast pass keeps pairs from here: the pair margin below the lowest threshold (or the override, if lower).</summary>
    public float WiderPassFloor { get; }

    /// <summary>Per interest, where the wider fast pass makes highlights (on the thresholds' scale).</summary>
    public float[] FastHighlightFrom { get; }

    /// <summary>Per interest, where the contextual pass makes highlights (on its own scale).</summary>
    public float[] ContextualHighlightFrom { get; }

    /// <summary>Whether these were formed for <paramref name="thresholds"/> (the same array) and <paramref name="minScoreOverride"/>.</summary>
    public bool Fit(float[] thresholds, float? minScoreOverride) => ReferenceEquals(_thresholds, thresholds) && Nullable.Equals(_override, minScoreOverride);
}
