namespace StreamAttention.Ingest.Pipeline;

/// <summary>
/// How long the ingest waits for one scoring call before it gives the call up and asks again: <see cref="Factor"/> times
/// the slowest of the last <see cref="Window"/> calls, and at least <paramref name="floor"/>. A call in flight to a silo
/// that was killed never answers (the client does not reject it when the connection drops), so without this every
/// partition stalled behind it for Orleans' whole response timeout (30 s); a deadline from the calls' own recent times
/// gives up on it within seconds where calls take milliseconds, and never cuts off calls that are slow because the load
/// is. It has no ceiling of its own: past <c>Cluster:ResponseTimeout</c> Orleans gives the call up first, with a
/// <see cref="TimeoutException"/> retried as this one's is, and cancels the silo's work for it as this one does. Such a
/// call is not counted: Orleans gives up first only when the deadline is already past its timeout (else this one gave
/// the call up, and counted it, before), so counting it would change no later call's wait while the silo is slow, and
/// would keep the deadline past Orleans' timeout for longer once it is not (a call to a silo killed then waits 30 s).
/// A call given up counts as one that took its whole wait (<see cref="TryGiveUp"/>), so a silo slowed past the deadline
/// (a process starved of CPU) makes the next calls wait three times longer. A call is given up only when it has waited
/// the deadline as it is when its wait ends (<see cref="LeftFor"/> re-arms it when it grew meanwhile; an armed wait is
/// never shortened): of the calls in flight together when a silo slows down, the first given up raises the deadline and
/// the others wait on to it, rather than each being given up, and asked again, at the old one while the silo still
/// scores the ones before.
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

    /// <summary>How much longer a call that has waited <paramref name="waited"/> is waited for: the deadline now, less that wait.</summary>
    public TimeSpan LeftFor(TimeSpan waited)
    {
        var left = Current - waited;
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    /// <summary>
    /// Whether a call that has waited <paramref name="waited"/> is given up: it has waited the deadline as it is now. If
    /// so, it counts as a call that took that long, which raises the deadline for the calls still in flight with it.
    /// </summary>
    public bool TryGiveUp(TimeSpan waited)
    {
        lock (_lock)
        {
            if (waited < Current)
            {
                return false;
            }
            Took(waited);
            return true;
        }
    }

    private void Took(TimeSpan elapsed)
    {
        lock (_lock)
        {
            _recentTicks[_next] = elapsed.Ticks;
            _next = (_next + 1) % Window;
        }
    }
}
