using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamAttention.Server.Diagnostics;

namespace StreamAttention.Dashboard.Tests;

/// <summary>
/// A graceful stop (SIGTERM: a rolling upgrade, a scale-in) writes the silo's row as shutting down before the silo's
/// own status changes: a readiness check in between is the silo leaving, not a lost membership table, and logs no error.
/// </summary>
public sealed class StoppingSiloReadinessTests(StoppingSiloReadinessTests.Host host) : IClassFixture<StoppingSiloReadinessTests.Host>
{
    [Fact]
    public async Task A_stopping_silo_that_its_row_lists_as_shutting_down_is_not_ready_and_logs_no_lost_table()
    {
        var membership = host.Services.GetRequiredService<IMembershipTable>();
        var silo = host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        // The row as Orleans writes it first when the silo stops.
        await ListAsync(membership, silo, SiloStatus.ShuttingDown);
        try
        {
            var (stopping, stoppingLogs) = await CheckAsync(stopping: true);
            var (running, runningLogs) = await CheckAsync(stopping: false);

            Assert.Equal(HealthStatus.Unhealthy, stopping.Status);
            Assert.Equal("The silo is stopping: the cluster's membership table lists it as ShuttingDown", stopping.Description);
            Assert.DoesNotContain(stoppingLogs, log => log.Level >= LogLevel.Error);
            // A silo that is not stopping and is listed so still logs the loss, as before.
            Assert.Equal(HealthStatus.Unhealthy, running.Status);
            Assert.Contains(runningLogs, log => log.Level == LogLevel.Error && log.Message.Contains("lists it as ShuttingDown"));
        }
        finally
        {
            await ListAsync(membership, silo, SiloStatus.Active);
        }
    }

    /// <summary>The check, as the host builds it, with a host lifetime that is stopping or not, and what it logged.</summary>
    private async Task<(HealthCheckResult Result, IReadOnlyList<RecordedLog> Logs)> CheckAsync(bool stopping)
    {
        using var logs = new RecordingLoggerProvider();
        using var loggers = LoggerFactory.Create(logging => logging.AddProvider(logs));
        using var lifetime = new Lifetime(stopping);
        var check = ActivatorUtilities.CreateInstance<SiloReadinessCheck>(host.Services, (IHostApplicationLifetime)lifetime, loggers.CreateLogger<SiloReadinessCheck>());
        var result = await check.CheckHealthAsync(new HealthCheckContext());
        return (result, logs.Logs);
    }

    private static async Task ListAsync(IMembershipTable membership, SiloAddress silo, SiloStatus status)
    {
        var table = await membership.ReadAllAsync(CancellationToken.None);
        var (row, etag) = table.Members.Single(m => m.Item1.SiloAddress.Equals(silo));
        row.Status = status;
        Assert.True(await membership.UpdateRowAsync(row, etag, table.Version.Next(), CancellationToken.None));
    }

    private sealed class Lifetime : IHostApplicationLifetime, IDisposable
    {
        private readonly CancellationTokenSource _stopping = new();

        public Lifetime(bool stopping)
        {
            if (stopping)
            {
                _stopping.Cancel();
            }
        }

        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => _stopping.Token;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => _stopping.Cancel();

        public void Dispose() => _stopping.Dispose();
    }

    public sealed class Host : RedisSiloHostFixture;
}
