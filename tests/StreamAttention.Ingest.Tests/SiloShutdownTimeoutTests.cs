using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StreamAttention.Server.Hosting;

namespace StreamAttention.Ingest.Tests;

/// <summary>
/// A silo's stop may take <c>Cluster:ShutdownTimeout</c>; one that runs the ingest drains its batches in flight first
/// (up to <c>Ingest:DrainTimeout</c>), so its host waits for both before the silo command's deadline ends the process.
/// </summary>
public sealed class SiloShutdownTimeoutTests
{
    [Theory]
    [InlineData(true, 50)]
    [InlineData(false, 30)]
    public async Task A_silo_running_the_ingest_may_stop_for_its_shutdown_timeout_plus_the_ingests_drain_timeout(bool ingest, int seconds)
    {
        await using var silo = SiloHost.Build(SiloHost.CreateBuilder([.. TestAuth.Arguments, "--Cluster:ShutdownTimeout=00:00:30", "--Ingest:DrainTimeout=00:00:20",
            .. ingest ? ["--Ingest:Enabled=true", "--Ingest:BootstrapServers=127.0.0.1:9"] : Array.Empty<string>()]));

        Assert.Equal(TimeSpan.FromSeconds(seconds), silo.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
    }
}
