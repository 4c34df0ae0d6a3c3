namespace StreamAttention.Benchmarks;

/// <summary>
/// The runtime's garbage-collection counters at one moment; the difference of two says what a phase allocated, how many
/// collections of each generation ran and how long the process was paused for them.
/// </summary>
internal readonly record struct GcCounters(long Allocated, int Gen0, int Gen1, int Gen2, TimeSpan Pause)
{
    public static GcCounters Now() => new(GC.GetTotalAllocatedBytes(precise: false), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());

    public static GcCounters operator -(GcCounters end, GcCounters start)
        => new(end.Allocated - start.Allocated, end.Gen0 - start.Gen0, end.Gen1 - start.Gen1, end.Gen2 - start.Gen2, end.Pause - start.Pause);

    /// <summary>The bytes still reachable after a full blocking collection: the heap the process keeps live.</summary>
    public static long LiveHeap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: false);
    }

    private static readonly string[] ShownSettings = ["ServerGC", "ConcurrentGC", "GCDynamicAdaptationMode", "HeapCount", "GCGen0MaxBudget", "GCDTargetTCP", "GCDGen0GrowthMinFactor"];

    /// <summary>
    /// The collector's settings in effect (DOTNET_* environment variables included), so a run says which GC it measured.
    /// A gen0 budget (GCgen0size) is not among them: the gen0 count shows it.
    /// </summary>
    public static string Settings()
    {
        var settings = GC.GetConfigurationVariables();
        return string.Join(", ", ShownSettings.Select(name => $"{name}={settings.GetValueOrDefault(name)}"));
    }
}
