using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using StreamAttention.Contracts.Diagnostics;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Each readiness check's last status as gauge <c>streamattention.health.status</c>, tag <c>check</c>: 1 Healthy,
/// 0.5 Degraded, 0 Unhealthy (the mapping of AspNetCore.HealthChecks' Prometheus and OpenTelemetry publishers), so an
/// alert sees a process not ready, or a silo suspected, without a prober. The health service's publisher
/// (<see cref="HealthCheckPublisherOptions"/>: 5 s after the start, then every 30 s) runs the checks and hands their report here;
/// a scrape reads the last one and runs no check. No series before the first report.
/// A check's change of status is logged once, at Information (a check is taken as Healthy before the first report): the
/// health service's own line per check not Healthy, at each run, is filtered out (<see cref="ServiceDefaultsExtensions"/>),
/// as every process starting up would log it, and a process left unready would every 30 s; the alerts say it instead.
/// Each check not Healthy in a report is also counted (<see cref="HealthCheckFailures"/>, with the probes' results).
/// </summary>
public sealed partial class HealthStatusGauge : IHealthCheckPublisher
{
    private readonly HealthCheckFailures _failures;
    private readonly ILogger<HealthStatusGauge> _logger;
    private volatile HealthReport? _last;

    public HealthStatusGauge(IMeterFactory meters, HealthCheckFailures failures, ILogger<HealthStatusGauge> logger)
    {
        _failures = failures;
        _logger = logger;
        meters.Create(InstrumentNames.Meter).CreateObservableGauge(InstrumentNames.HealthStatus, Measure,
            description: "Each readiness check's last status, tagged check: 1 Healthy, 0.5 Degraded, 0 Unhealthy (refreshed by the health-check publisher, every 30 s)");
    }

    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        _failures.Count(report);
        // Called by one publisher loop at a time: the previous report is this method's own.
        var previous = _last;
        foreach (var (check, entry) in report.Entries)
        {
            var before = previous is not null && previous.Entries.TryGetValue(check, out var was) ? was.Status : HealthStatus.Healthy;
            if (entry.Status != before)
            {
                LogStatusChanged(check, entry.Status, entry.Description, entry.Exception);
            }
        }
        _last = report;
        return Task.CompletedTask;
    }

    /// <summary>The value a status is exported as.</summary>
    public static double Value(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => 1,
        HealthStatus.Degraded => 0.5,
        _ => 0,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Readiness check '{Check}' is now {Status}: {Description}")]
    private partial void LogStatusChanged(string check, HealthStatus status, string? description, Exception? exception);

    private IEnumerable<Measurement<double>> Measure()
        => _last?.Entries.Select(entry => new Measurement<double>(Value(entry.Value.Status), new KeyValuePair<string, object?>("check", entry.Key))) ?? [];
}
