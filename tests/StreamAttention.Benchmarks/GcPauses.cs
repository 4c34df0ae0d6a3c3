using System.Diagnostics.Tracing;

namespace StreamAttention.Benchmarks;

/// <summary>
/// Every stop of the process for a garbage collection, from the runtime's GC events (suspension begin to restart end,
/// as PerfView measures a pause), so that a phase says its longest pause and not only their sum (<see cref="GcCounters"/>);
/// and the heaps each collection ran with. DATAS changes the server GC's heap count as the load changes, and this
/// runtime's total of allocated bytes sums the heaps active at the moment (dotnet/runtime#131069, fixed after .NET 10):
/// across a change the difference of two totals is wrong, by as much as a heap allocated since the process started.
/// </summary>
internal sealed class GcPauses : EventListener
{
    private const string RuntimeSource = "Microsoft-Windows-DotNETRuntime";
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private const int SuspendBeginEvent = 9;
    private const int RestartEndEvent = 3;
    private const int GlobalHeapHistoryEvent = 205;
    // SUSPEND_FOR_GC and SUSPEND_FOR_GC_PREP: other suspensions (tiered compilation's, a debugger's) are not the collector's.
    private static readonly uint[] GcSuspendReasons = [1, 6];

    private readonly Lock _lock = new();
    private readonly List<(DateTime End, TimeSpan Duration)> _pauses = [];
    private readonly List<(DateTime At, int Heaps)> _heaps = [];
    private DateTime? _gcSuspendBegan;

    /// <summary>
    /// The pauses that ended between <paramref name="from"/> and <paramref name="to"/> (UTC), and the fewest and most
    /// heaps of the collections then and of the last one before (the heaps the phase began with); 0 when none ran.
    /// </summary>
    public GcPauseSummary Between(DateTime from, DateTime to)
    {
        lock (_lock)
        {
            var durations = _pauses.Where(p => p.End >= from && p.End <= to).Select(p => p.Duration).ToList();
            var heaps = _heaps.Where(h => h.At >= from && h.At <= to).Select(h => h.Heaps)
                .Concat(_heaps.Where(h => h.At < from).TakeLast(1).Select(h => h.Heaps)).ToList();
            return new GcPauseSummary(durations.Count, durations.Count == 0 ? TimeSpan.Zero : durations.Max(),
                heaps.Count == 0 ? 0 : heaps.Min(), heaps.Count == 0 ? 0 : heaps.Max());
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
            else if (e.EventId == GlobalHeapHistoryEvent && e.PayloadNames!.IndexOf("NumHeaps") is >= 0 and var heaps)
            {
                _heaps.Add((e.TimeStamp.ToUniversalTime(), Convert.ToInt32(e.Payload![heaps])));
            }
        }
    }
}

/// <summary>How many times a phase was paused for a collection, the longest of those pauses, and the fewest and most heaps its collections ran with.</summary>
internal readonly record struct GcPauseSummary(int Count, TimeSpan Longest, int FewestHeaps, int MostHeaps)
{
    /// <summary>Whether the phase's allocated bytes (<see cref="GcCounters"/>) can be trusted: the GC kept its heap count.</summary>
    public bool AllocationCounted => FewestHeaps == MostHeaps;
}
