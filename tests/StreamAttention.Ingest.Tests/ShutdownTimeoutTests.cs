using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StreamAttention.Server.Hosting;

namespace StreamAttention.Ingest.Tests;

/// <summary>
/// A silo's stop may take <c>Cluster:ShutdownTimeout</c>; one that runs the ingest drains its batches in flight first
/// (up to <c>Ingest:DrainTimeout</c>), so its host waits for both before the silo command's deadline ends the process.
/// The standalone ingest's host waits for the drain on top of its own timeout too.
/// </summary>
public sealed class ShutdownTimeoutTests
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

    [Fact]
    public async Task The_standalone_ingest_may_stop_for_the_hosts_timeout_plus_its_drain_timeout()
    {
        // The host's own 30 s would end a drain Ingest:DrainTimeout allows past it, uncommitted.
        await using var ingest = IngestHost.Build(IngestHost.CreateBuilder([.. TestAuth.Arguments, "--Ingest:DrainTimeout=00:00:50", "--Ingest:BootstrapServers=127.0.0.1:9"]));

        Assert.Equal(TimeSpan.FromSeconds(80), ingest.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
    }
}
