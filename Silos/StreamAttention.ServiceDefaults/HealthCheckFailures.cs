using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Diagnostics;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Counter <c>streamattention.health.failures</c>, tag <c>check</c>: each result of a check that was not Healthy
/// (Degraded or Unhealthy), whoever ran it: the health-check publisher (<see cref="HealthStatusGauge"/>, every 30 s) or
/// a probe of <c>/health/ready</c> (Kubernetes', a load balancer's). The gauge shows only the publisher's last run and
/// the health service's own line per failed check is filtered out of the log, so a failure a probe saw and that was
/// over by the publisher's next run (a pod out of its Service for a while) left no trace; its increase does. Each
/// readiness check's series exists at 0 from the start (made with the publisher, which the health service starts).
/// </summary>
public sealed class HealthCheckFailures
{
    private readonly Counter<long> _failures;

    public HealthCheckFailures(IMeterFactory meters, IOptions<HealthCheckServiceOptions> checks)
    {
        var readiness = checks.Value.Registrations.Where(check => check.Tags.Contains(HealthCheckTags.Ready)).Select(check => check.Name);
        _failures = meters.Create(InstrumentNames.Meter).CreateCounterFromZero(InstrumentNames.HealthFailures, "{result}",
            "Results of checks that were not Healthy (Degraded or Unhealthy), tagged check: the health-check publisher's and each probe's of /health/ready",
            "check", readiness);
    }

    /// <summary>Counts each check of <paramref name="report"/> that was not Healthy.</summary>
    public void Count(HealthReport report)
    {
        foreach (var (check, entry) in report.Entries)
        {
            if (entry.Status != HealthStatus.Healthy)
            {
                _failures.Add(1, new KeyValuePair<string, object?>("check", check));
            }
        }
    }
}
