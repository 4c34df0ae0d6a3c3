namespace StreamAttention.Scoring;

/// <summary>
/// One threshold for every interest of an index (a score override: eval's every pair, the cascade's wider pass), as
/// the same array while the value and the count stay: the caches that keep what they formed for an array given again
/// (<see cref="Calibration.InterestCalibration.RawThresholds"/>, the shared-words engine's floors) then hold from run
/// to run instead of forming it for the whole index each time. Thread-safe; the arrays it returns must not be changed.
/// </summary>
public sealed class UniformThresholds
{
    private float[] _last = [];

    public float[] Of(float value, int count)
    {
        var last = _last;
        if (last.Length == count && (count == 0 || last[0].Equals(value)))
        {
            return last;
        }
        var thresholds = new float[count];
        Array.Fill(thresholds, value);
        _last = thresholds;
        return thresholds;
    }
}
