namespace StreamAttention.Server.Dashboard;

/// <summary>
/// One instrument's latest measurements, at most <paramref name="capacity"/> and none older than
/// <paramref name="maxAge"/>: the dashboard's percentiles describe the last minutes, so a burst's latencies leave them
/// once it is over instead of staying until as many new ones replace them.
/// </summary>
public sealed class RecentMeasurements(int capacity, TimeSpan maxAge, TimeProvider time)
{
    private readonly double[] _values = new double[capacity];
    private readonly long[] _timestamps = new long[capacity];
    private long _count;

    public void Add(double value)
    {
        var now = time.GetTimestamp();
        lock (_values)
        {
            var slot = (int)(_count++ % _values.Length);
            (_values[slot], _timestamps[slot]) = (value, now);
        }
    }

    /// <summary>The kept measurements no older than the maximum age, in no particular order.</summary>
    public double[] Values()
    {
        var now = time.GetTimestamp();
        lock (_values)
        {
            var filled = (int)Math.Min(_count, _values.Length);
            var kept = new List<double>(filled);
            for (var slot = 0; slot < filled; slot++)
            {
                if (time.GetElapsedTime(_timestamps[slot], now) <= maxAge)
                {
                    kept.Add(_values[slot]);
                }
            }
            return [.. kept];
        }
    }
}
