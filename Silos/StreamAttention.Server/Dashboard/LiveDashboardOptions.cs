using System.ComponentModel.DataAnnotations;

namespace StreamAttention.Server.Dashboard;

/// <summary>Section "Dashboard": the live dashboard page, its streams and the Orleans dashboard.</summary>
public sealed class LiveDashboardOptions
{
    public const string SectionName = "Dashboard";

    /// <summary>
    /// Mounts the Orleans dashboard at <c>/orleans</c>. It profiles every grain call, which costs up to ~40% on tiny
    /// calls (negligible on batches): turn it off for benchmarks.
    /// </summary>
    public bool OrleansDashboard { get; set; } = true;

    /// <summary>Matches a live-stream client may fall behind by before its oldest unsent ones are dropped.</summary>
    [Range(1, 1_000_000)]
    public int StreamQueueCapacity { get; set; } = 1000;

    /// <summary>Recent measurements per latency or batch-size instrument the statistics' percentiles and histogram cover.</summary>
    [Range(16, 1_000_000)]
    public int StatisticsWindow { get; set; } = 4096;
}
