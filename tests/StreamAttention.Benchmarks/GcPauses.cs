using System.Diagnostics.Tracing;

namespace StreamAttention.Benchmarks;

/// <summary>
/// Every stop of the process for a garbage collection, from the runtime's GC events (suspension begin to restart end,
/// as PerfView measures a pause), so that a phase says its longest pause and not only their sum (<see cref="GcCounters"/>).
/// </summary>
internal sealed class GcPauses : EventListener
{
    private const string RuntimeSource = "Microsoft-Windows-DotNETRuntime";
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private const int SuspendBeginEvent = 9;
    private const int RestartEndEvent = 3;
    // SUSPEND_FOR_GC and SUSPEND_FOR_GC_PREP: other suspensions (tiered compilation's, a debugger's) are not the collector's.
    private static readonly uint[] GcSuspendReasons = [1, 6];

    private readonly Lock _lock = new();
    private readonly List<(DateTime End, TimeSpan Duration)> _pauses = [];
    private DateTime? _gcSuspendBegan;

    /// <summary>The pauses that ended between <paramref name="from"/> and <paramref name="to"/> (UTC).</summary>
    public GcPauseSummary Between(DateTime from, DateTime to)
    {
        lock (_lock)
        {
            var durations = _pauses.Where(p => p.End >= from && p.End <= to).Select(p => p.Duration).ToList();
            return new GcPauseSummary(durations.Count, durations.Count == 0 ? TimeSpan.Zero : durations.Max());
        }
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == RuntimeSource)
        {
            // Informational: the allocation ticks are verbose.
            EnableEvents(source, EventLevel.Informational, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        lock (_lock)
        {
            if (e.EventId == SuspendBeginEvent)
            {
                _gcSuspendBegan = GcSuspendReasons.Contains(Convert.ToUInt32(e.Payload![0])) ? e.TimeStamp.ToUniversalTime() : null;
            }
            else if (e.EventId == RestartEndEvent && _gcSuspendBegan is { } began)
            {
                var end = e.TimeStamp.ToUniversalTime();
                _pauses.Add((end, end - began));
                _gcSuspendBegan = null;
            }
        }
    }
}

/// <summary>How many times a phase was paused for a collection, and the longest of those pauses.</summary>
internal readonly record struct GcPauseSummary(int Count, TimeSpan Longest);
