using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamAttention.Contracts.Diagnostics;
using StreamAttention.Server.Hosting;

namespace StreamAttention.Dashboard.Tests;

/// <summary>
/// The health service's own line for each check not Healthy (a warning or an error at every run) is left out of the
/// log by the shipped settings (appsettings.json's <c>Logging:LogLevel</c>), which an operator overrides like any
/// other category; the health status gauge logs each change of status instead (<see cref="HealthStatusGaugeTests"/>).
/// </summary>
public sealed class HealthCheckLogSettingsTests
{
    private const string HealthCheckServiceCategory = "Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService";

    [Fact]
    public async Task The_shipped_settings_leave_the_health_services_line_for_each_check_not_healthy_out()
    {
        Assert.Empty(await HealthServiceLinesAsync([]));
    }

    [Fact]
    public async Task An_operator_brings_the_health_services_lines_back_with_its_log_level()
    {
        var lines = await HealthServiceLinesAsync([$"--Logging:LogLevel:{HealthCheckServiceCategory}=Warning"]);

        Assert.Equal([(LogLevel.Warning, true), (LogLevel.Error, true)],
            lines.Select(line => (line.Level, line.Message.Contains(line.Level == LogLevel.Warning ? "degraded-check" : "unready-check", StringComparison.Ordinal))).Order());
    }

    /// <summary>
    /// What the health service logs from Warning up for one run of a degraded and an unhealthy check, in a host
    /// configured as every command's is (the settings files beside the executable, then <paramref name="overrides"/>).
    /// </summary>
    private static async Task<List<RecordedLog>> HealthServiceLinesAsync(string[] overrides)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        StreamAttentionHost.ConfigureSourcesAndLogging(builder, overrides);
        builder.AddServiceDefaults();
        using var logs = new RecordingLoggerProvider();
        builder.Logging.AddProvider(logs);
        builder.Services.AddHealthChecks()
            .AddCheck("degraded-check", () => HealthCheckResult.Degraded("degraded on purpose"), [HealthCheckTags.Ready])
            .AddCheck("unready-check", () => HealthCheckResult.Unhealthy("unready on purpose"), [HealthCheckTags.Ready]);
        using var host = builder.Build();

        await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(CancellationToken.None);

        return [.. logs.Logs.Where(log => log.Category == HealthCheckServiceCategory && log.Level >= LogLevel.Warning)];
    }
}
