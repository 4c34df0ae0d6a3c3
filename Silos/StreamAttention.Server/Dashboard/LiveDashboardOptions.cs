using System.ComponentModel.DataAnnotations;

namespace StreamAttention.Server.Dashboard;

/// <summary>Section "Dashboard": the live dashboard page, its streams and the Orleans dashboard.</summary>
public sealed class LiveDashboardOptions
{
    public const string SectionName = "Dashboard";

    /// <summary>
    /// Mounts the Orleans dashboard at <c>/orleans</c>. Off unless asked for (<c>local</c> asks): it profiles every grain
    /// call, and a silo makes one call per matched user and batch, so at 100,000 interests it added ~7 % to the
    /// allocation of a paced message (docs/benchmarks.md, "Scale: the Orleans dashboard off by default").
    /// </summary>
    public bool OrleansDashboard { get; set; }

    /// <summary>Matches a live-stream client may fall behind by before its oldest unsent ones are dropped.</summary>
    [Range(1, 1_000_000)]
    public int StreamQueueCapacity { get; set; } = 1000;

    /// <summary>
    /// How long a live stream may go without an event before a comment line is sent: proxies and load balancers close
    /// connections idle for about a minute, and without it a client cannot tell a quiet stream from a dead one.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan StreamKeepAlive { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Recent measurements per latency or batch-size instrument the statistics' percentiles and histogram cover.</summary>
    [Range(16, 1_000_000)]
    public int StatisticsWindow { get; set; } = 4096;

    /// <summary>Age beyond which a measurement leaves the statistics' percentiles and histogram (of the last <see cref="StatisticsWindow"/>).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan StatisticsMaxAge { get; set; } = TimeSpan.FromMinutes(5);
}
