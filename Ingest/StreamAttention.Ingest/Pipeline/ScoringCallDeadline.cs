namespace StreamAttention.Ingest.Pipeline;

/// <summary>
/// How long the ingest waits for one scoring call before it gives the call up and asks again: <see cref="Factor"/> times
/// the slowest of the last <see cref="Window"/> calls that answered, and at least <paramref name="floor"/>. A call in
/// flight to a silo that was killed never answers (the client does not reject it when the connection drops), so
/// without this every partition stalled behind it for Orleans' whole response timeout (30 s); a deadline from the
/// calls' own recent times gives up on it within seconds where calls take milliseconds, and never cuts off calls that
/// are slow because the load is (at saturation it grows past the response timeout, and Orleans' own applies). A call
/// given up counts as one that took its whole wait (<see cref="GaveUp"/>): a silo slowed past the deadline (a process
/// starved of CPU) makes the next calls wait three times longer, rather than every call in flight, and each one asked
/// again, being given up at the same deadline while the silo still scores the ones before.
/// </summary>
public sealed class ScoringCallDeadline(TimeSpan floor)
{
    public const int Window = 64;
    public const int Factor = 3;

    private readonly long[] _recentTicks = new long[Window];
    private int _next;
    private readonly Lock _lock = new();

    public TimeSpan Current
    {
        get
        {
            lock (_lock)
            {
                return TimeSpan.FromTicks(Math.Max(floor.Ticks, Factor * _recentTicks.Max()));
            }
        }
    }

    /// <summary>A call answered after <paramref name="elapsed"/>.</summary>
    public void Answered(TimeSpan elapsed) => Took(elapsed);

    /// <summary>A call was given up after <paramref name="waited"/>: it took at least that long.</summary>
    public void GaveUp(TimeSpan waited) => Took(waited);

    private void Took(TimeSpan elapsed)
    {
        lock (_lock)
        {
            _recentTicks[_next] = elapsed.Ticks;
            _next = (_next + 1) % Window;
        }
    }
}
