using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StreamAttention.Contracts.Diagnostics;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Each readiness check's last status as gauge <c>streamattention.health.status</c>, tag <c>check</c>: 1 Healthy,
/// 0.5 Degraded, 0 Unhealthy (the mapping of AspNetCore.HealthChecks' Prometheus and OpenTelemetry publishers), so an
/// alert sees a process not ready, or a silo suspected, without a prober. The health service's publisher
/// (<see cref="HealthCheckPublisherOptions"/>: 5 s after the start, then every 30 s) runs the checks and hands their report here;
/// a scrape reads the last one and runs no check. No series before the first report.
/// </summary>
public sealed class HealthStatusGauge : IHealthCheckPublisher
{
    private volatile HealthReport? _last;

    public HealthStatusGauge(IMeterFactory meters)
        => meters.Create(InstrumentNames.Meter).CreateObservableGauge(InstrumentNames.HealthStatus, Measure,
            description: "Each readiness check's last status, tagged check: 1 Healthy, 0.5 Degraded, 0 Unhealthy (refreshed by the health-check publisher, every 30 s)");

    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
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

    private IEnumerable<Measurement<double>> Measure()
        => _last?.Entries.Select(entry => new Measurement<double>(Value(entry.Value.Status), new KeyValuePair<string, object?>("check", entry.Key))) ?? [];
}
