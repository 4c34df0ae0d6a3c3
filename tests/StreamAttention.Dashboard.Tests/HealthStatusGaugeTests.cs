using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Diagnostics;

namespace StreamAttention.Dashboard.Tests;

/// <summary>
/// Each readiness check's status on <c>/metrics</c> (<see cref="HealthStatusGauge"/>), as the health-check publisher
/// last reported it: an alert sees a process not ready or a silo suspected without a prober, and a scrape runs no check.
/// Alone in its collection: OpenTelemetry shares a gauge's stream among the hosts of the process (DashboardCollection).
/// </summary>
[Collection(Name)]
public sealed partial class HealthStatusGaugeTests(HealthStatusGaugeTests.Host host) : IClassFixture<HealthStatusGaugeTests.Host>
{
    public const string Name = "health status gauge";

    /// <summary>Scrape polls: the publisher's first report comes 5 s after the start; the bound only stops one that never comes.</summary>
    private const int ScrapePolls = 240;
    private static readonly TimeSpan ScrapePollInterval = TimeSpan.FromMilliseconds(500);

    [Fact]
    public async Task Each_readiness_check_is_exported_by_status_from_the_publishers_report_without_running_on_scrape()
    {
        var statuses = await ScrapeUntilAsync(host.Http, "unready");
        var runs = host.Services.GetRequiredService<CountingCheck>().Runs;
        for (var scrape = 0; scrape < 3; scrape++)
        {
            await host.Http.GetStringAsync("/metrics");
        }

        Assert.Equal((1.0, 0.5, 0.0), (statuses["counted"], statuses["degraded"], statuses["unready"]));
        Assert.Contains("model", statuses.Keys);
        Assert.DoesNotContain("self", statuses.Keys);
        Assert.Equal(1, runs);
        Assert.Equal(runs, host.Services.GetRequiredService<CountingCheck>().Runs);
    }

    [Fact]
    public async Task The_publishers_run_logs_no_warning_nor_error_for_a_check_not_healthy()
    {
        await ScrapeUntilAsync(host.Http, "unready");

        // The host logs from Warning up: the gauge's line per change, at Information, is the next test's.
        Assert.DoesNotContain(host.Logs.Logs, log => log.Level >= LogLevel.Warning && log.Category.StartsWith(HealthCheckLogCategory, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_check_is_logged_when_its_status_changes_not_at_each_report_that_keeps_it()
    {
        using var logs = new RecordingLoggerProvider();
        using var loggers = LoggerFactory.Create(logging => logging.AddProvider(logs));
        // Its own meter factory, disposed at the end: the host's exporter sees this gauge only while the test runs, under a check name of its own.
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        var gauge = new HealthStatusGauge(meters, new HealthCheckFailures(meters, Options.Create(new HealthCheckServiceOptions())), loggers.CreateLogger<HealthStatusGauge>());

        foreach (var status in new[] { HealthStatus.Healthy, HealthStatus.Unhealthy, HealthStatus.Unhealthy, HealthStatus.Degraded, HealthStatus.Healthy, HealthStatus.Healthy })
        {
            await gauge.PublishAsync(Report("changing", status), CancellationToken.None);
        }

        Assert.Equal([
            "Readiness check 'changing' is now Unhealthy: Unhealthy on purpose",
            "Readiness check 'changing' is now Degraded: Degraded on purpose",
            "Readiness check 'changing' is now Healthy: Healthy on purpose"], logs.Messages);
    }

    private static HealthReport Report(string check, HealthStatus status)
        => new(new Dictionary<string, HealthReportEntry> { [check] = new(status, $"{status} on purpose", TimeSpan.Zero, null, null) }, TimeSpan.Zero);

    /// <summary>Scrapes until the gauge has a series for <paramref name="check"/>; every check's value by name.</summary>
    internal static async Task<Dictionary<string, double>> ScrapeUntilAsync(HttpClient http, string check)
    {
        var gauge = PrometheusNames.Gauge(InstrumentNames.HealthStatus);
        var statuses = new Dictionary<string, double>();
        for (var poll = 0; poll < ScrapePolls && !statuses.ContainsKey(check); poll++)
        {
            await Task.Delay(ScrapePollInterval);
            statuses = ByCheck(await http.GetStringAsync("/metrics"), gauge);
        }
        Assert.True(statuses.ContainsKey(check), $"/metrics never exported {gauge} for check {check}");
        return statuses;
    }

    /// <summary>Each check's value of the series <paramref name="name"/> in a scrape, <paramref name="metrics"/>.</summary>
    internal static Dictionary<string, double> ByCheck(string metrics, string name)
        => metrics.Split('\n').Select(line => Sample().Match(line)).Where(m => m.Success && m.Groups["name"].Value == name)
            .ToDictionary(m => m.Groups["check"].Value, m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^(?<name>\w+)\{[^}]*\bcheck=""(?<check>[^""]+)""[^}]*\} (?<value>\S+)")]
    private static partial Regex Sample();

    /// <summary>The health service's logs (<c>DefaultHealthCheckService</c>, <c>HealthCheckPublisherHostedService</c>).</summary>
    private const string HealthCheckLogCategory = "Microsoft.Extensions.Diagnostics.HealthChecks";

    public sealed class Host : SiloHostFixture
    {
        public RecordingLoggerProvider Logs { get; } = new();

        protected override bool WaitUntilReady => false;

        protected override void Configure(WebApplicationBuilder builder)
        {
            builder.Logging.AddProvider(Logs);
            builder.Services.AddSingleton<CountingCheck>();
            builder.Services.AddReadinessCheck<CountingCheck>("counted");
            builder.Services.AddHealthChecks()
                .AddCheck("degraded", () => HealthCheckResult.Degraded("degraded on purpose"), [HealthCheckTags.Ready])
                .AddCheck("unready", () => HealthCheckResult.Unhealthy("unready on purpose"), [HealthCheckTags.Ready]);
            // One report in the test's time: a second one would run the checks again.
            builder.Services.Configure<HealthCheckPublisherOptions>(options => options.Period = TimeSpan.FromHours(1));
        }
    }

    public sealed class CountingCheck : IHealthCheck
    {
        private int _runs;

        public int Runs => Volatile.Read(ref _runs);

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _runs);
            return Task.FromResult(HealthCheckResult.Healthy());
        }
    }
}

[CollectionDefinition(HealthStatusGaugeTests.Name, DisableParallelization = true)]
public sealed class HealthStatusGaugeCollection;
