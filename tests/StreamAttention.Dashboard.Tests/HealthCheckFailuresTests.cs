using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using StreamAttention.Contracts.Diagnostics;

namespace StreamAttention.Dashboard.Tests;

/// <summary>
/// Every result of a check not Healthy is counted on <c>/metrics</c> (<see cref="HealthCheckFailures"/>), the
/// publisher's and each probe's of <c>/health/ready</c>: a failure a probe saw and that was over by the publisher's next
/// run never shows on the status gauge, and the health service's own line for it is filtered out of the log.
/// In the gauge's collection: OpenTelemetry shares a gauge's stream among the hosts of the process.
/// </summary>
[Collection(HealthStatusGaugeTests.Name)]
public sealed class HealthCheckFailuresTests(HealthCheckFailuresTests.Host host) : IClassFixture<HealthCheckFailuresTests.Host>
{
    private static readonly string Failures = PrometheusNames.Counter(InstrumentNames.HealthFailures);

    [Fact]
    public async Task A_failure_a_probe_saw_between_the_publishers_runs_is_counted_though_the_gauge_never_shows_it()
    {
        await HealthStatusGaugeTests.ScrapeUntilAsync(host.Http, Host.Probed);
        var before = HealthStatusGaugeTests.ByCheck(await host.Http.GetStringAsync(ServiceDefaultsExtensions.MetricsPath), Failures);
        Assert.Equal((0.0, 1.0), (before[Host.Probed], before[Host.Failing]));

        var check = host.Services.GetRequiredService<SwitchedCheck>();
        check.Failing = true;
        try
        {
            using var probe = await host.Http.GetAsync(ServiceDefaultsExtensions.ReadyPath);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, probe.StatusCode);
        }
        finally
        {
            check.Failing = false;
        }

        // Scraped again until the exporter's cached response (300 ms) is not the one from before the probe.
        await Eventually.SucceedsAsync(async () =>
        {
            var metrics = await host.Http.GetStringAsync(ServiceDefaultsExtensions.MetricsPath);
            var after = HealthStatusGaugeTests.ByCheck(metrics, Failures);
            Assert.Equal((1.0, 2.0), (after[Host.Probed], after[Host.Failing]));
            Assert.Equal(1.0, HealthStatusGaugeTests.ByCheck(metrics, PrometheusNames.Gauge(InstrumentNames.HealthStatus))[Host.Probed]);
        });
    }

    public sealed class Host : SiloHostFixture
    {
        /// <summary>Healthy, but for the one probe the test fails it for.</summary>
        public const string Probed = "failures-probed";

        /// <summary>Always Unhealthy: counted at the publisher's run and at each probe.</summary>
        public const string Failing = "failures-always";

        protected override bool WaitUntilReady => false;

        protected override void Configure(WebApplicationBuilder builder)
        {
            builder.Services.AddSingleton<SwitchedCheck>();
            builder.Services.AddReadinessCheck<SwitchedCheck>(Probed);
            builder.Services.AddHealthChecks().AddCheck(Failing, () => HealthCheckResult.Unhealthy("unready on purpose"), [HealthCheckTags.Ready]);
            // One report in the test's time: a second one would run the checks again.
            builder.Services.Configure<HealthCheckPublisherOptions>(options => options.Period = TimeSpan.FromHours(1));
        }
    }

    public sealed class SwitchedCheck : IHealthCheck
    {
        private volatile bool _failing;

        public bool Failing { get => _failing; set => _failing = value; }

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
            => Task.FromResult(Failing ? HealthCheckResult.Unhealthy("failed on purpose") : HealthCheckResult.Healthy());
    }
}
