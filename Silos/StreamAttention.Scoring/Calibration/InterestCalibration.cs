namespace StreamAttention.Scoring.Calibration;

/// <summary>
/// The calibration of one interest index: per interest, calibrated = logistic(A·(raw − μᵢ)/σᵢ + B·raw + C), which is
/// logistic(kᵢ·raw + mᵢ) with kᵢ = A/σᵢ + B &gt; 0, so increasing in raw. A calibrated threshold θ is therefore one raw
/// threshold per interest (<see cref="RawThreshold"/>): the engines and their lossless pruning run on raw thresholds,
/// and a pair passes the raw threshold exactly when its calibrated score reaches θ.
/// </summary>
public sealed class InterestCalibration
{
    /// <summary>Float steps from the inverse's value before bisection takes over (rounding moves it by one or two).</summary>
    private const int MaxSteps = 16;

    /// <summary>Threshold arrays whose raw thresholds are kept: a cascade run asks for three (its wider pass's floor,
    /// its highlights' floor, the index's thresholds when its budget is empty), every run.</summary>
    private const int KeptRawThresholds = 4;

    private readonly CalibrationModel _model;
    private readonly double[] _slope;
    private readonly double[] _intercept;
    private readonly long? _generation;
    /// <summary>The raw thresholds of the last arrays asked for, the latest first.</summary>
    private readonly List<(IReadOnlyList<float> Thresholds, float[] Raw)> _raw = new(KeptRawThresholds);

    public InterestCalibration(CalibrationModel model, IReadOnlyList<InterestStatistics> statistics)
        : this(model, statistics, new double[statistics.Count], new double[statistics.Count])
    {
        for (var i = 0; i < statistics.Count; i++)
        {
            SetMap(i);
        }
    }

    private InterestCalibration(CalibrationModel model, IReadOnlyList<InterestStatistics> statistics, double[] slope, double[] intercept)
    {
        (_model, Statistics, _slope, _intercept) = (model, statistics, slope, intercept);
        for (var i = 0; i < statistics.Count; i++)
        {
            _generation = i == 0 || _generation == statistics[i].Generation ? statistics[i].Generation : null;
        }
    }

    /// <summary>
    /// This calibration with new <paramref name="statistics"/> that differ from its own only at <paramref name="changed"/>:
    /// the other interests' maps and kept raw thresholds are copied rather than recomputed, so that a run that
    /// re-measures a few interests of a large index pays for those few.
    /// </summary>
    public InterestCalibration With(IReadOnlyList<InterestStatistics> statistics, IReadOnlyList<int> changed)
    {
        var next = new InterestCalibration(_model, statistics, (double[])_slope.Clone(), (double[])_intercept.Clone());
        foreach (var i in changed)
        {
            next.SetMap(i);
        }
        foreach (var (thresholds, kept) in _raw)
        {
            var raw = (float[])kept.Clone();
            foreach (var i in changed)
            {
                raw[i] = next.RawThreshold(i, thresholds[i]);
            }
            next._raw.Add((thresholds, raw));
        }
        return next;
    }

    private void SetMap(int i)
    {
        var deviation = Math.Max(Statistics[i].Deviation, InterestStatistics.MinDeviationShare * _model.PriorDeviation);
        _slope[i] = _model.A / deviation + _model.B;
        _intercept[i] = _model.C - _model.A * Statistics[i].Mean / deviation;
    }

    /// <summary>Whether every interest's statistics were measured at <paramref name="generation"/> (−1: the prior), found once rather than per run.</summary>
    public bool AllMeasuredAt(long generation) => Count == 0 || _generation == generation;

    /// <summary>What each interest's map was made from, by position in the index.</summary>
    public IReadOnlyList<InterestStatistics> Statistics { get; }

    public int Count => _slope.Length;

    /// <summary>The calibrated score of interest <paramref name="interest"/>'s raw score, in [0, 1].</summary>
    public float Calibrated(int interest, float raw) => (float)(1 / (1 + Math.Exp(-(_slope[interest] * raw + _intercept[interest]))));

    /// <summary>
    /// The smallest raw score whose calibrated score reaches <paramref name="threshold"/> (−∞ when every score does,
    /// +∞ when none does): the map's inverse, then stepped float by float so that it is exact despite rounding
    /// (bisection over the floats' order where the inverse is far off).
    /// </summary>
    public float RawThreshold(int interest, float threshold)
    {
        if (Calibrated(interest, -float.MaxValue) >= threshold)
        {
            return float.NegativeInfinity;
        }
        if (Calibrated(interest, float.MaxValue) < threshold)
        {
            return float.PositiveInfinity;
        }
        var guess = (float)((Math.Log(threshold / (1.0 - threshold)) - _intercept[interest]) / _slope[interest]);
        for (var step = 0; step < MaxSteps && float.IsFinite(guess); step++)
        {
            if (Calibrated(interest, guess) < threshold)
            {
                guess = MathF.BitIncrement(guess);
            }
            else if (Calibrated(interest, MathF.BitDecrement(guess)) >= threshold)
            {
                guess = MathF.BitDecrement(guess);
            }
            else
            {
                return guess;
            }
        }
        long low = Order(-float.MaxValue), high = Order(float.MaxValue);
        // Invariant: Calibrated(low) < threshold ≤ Calibrated(high).
        while (high - low > 1)
        {
            var middle = low + (high - low) / 2;
            if (Calibrated(interest, FromOrder(middle)) >= threshold)
            {
                high = middle;
            }
            else
            {
                low = middle;
            }
        }
        return FromOrder(high);
    }

    /// <summary>
    /// The raw threshold of each interest for its calibrated threshold; kept for the same array given again (an
    /// index's thresholds, run after run), for the last <see cref="KeptRawThresholds"/> arrays. The arrays given must
    /// not change. Not thread-safe: the scorer calls it under its lock.
    /// </summary>
    public float[] RawThresholds(IReadOnlyList<float> thresholds)
    {
        var kept = _raw.FindIndex(entry => ReferenceEquals(entry.Thresholds, thresholds));
        if (kept >= 0)
        {
            var entry = _raw[kept];
            _raw.RemoveAt(kept);
            _raw.Insert(0, entry);
            return entry.Raw;
        }
        var raw = new float[Count];
        for (var i = 0; i < raw.Length; i++)
        {
            raw[i] = RawThreshold(i, thresholds[i]);
        }
        if (_raw.Count == KeptRawThresholds)
        {
            _raw.RemoveAt(_raw.Count - 1);
        }
        _raw.Insert(0, (thresholds, raw));
        return raw;
    }

    /// <summary>The matches with calibrated scores, their raw scores kept in <see cref="RowMatch.RawScore"/>.</summary>
    public void Apply(List<RowMatch> matches)
    {
        for (var m = 0; m < matches.Count; m++)
        {
            var match = matches[m];
            matches[m] = match with { Score = Calibrated(match.InterestIndex, match.Score), RawScore = match.Score };
        }
    }

    /// <summary>A float's position in the order of floats, as an integer (−0 just below +0).</summary>
    private static long Order(float value)
    {
        var bits = BitConverter.SingleToInt32Bits(value);
        return bits ^ ((bits >> 31) & int.MaxValue);
    }

    private static float FromOrder(long order)
    {
        var bits = (int)order;
        return BitConverter.Int32BitsToSingle(bits ^ ((bits >> 31) & int.MaxValue));
    }
}
