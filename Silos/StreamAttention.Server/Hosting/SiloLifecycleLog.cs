using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace StreamAttention.Server.Hosting;

/// <summary>
/// The lines an operator looks for when a silo has joined its cluster and when it leaves: Orleans writes neither at
/// the level its categories are logged from (Warning), so a start and a graceful stop were silent.
/// </summary>
internal sealed class SiloLifecycleLog(IHostApplicationLifetime lifetime, ILocalSiloDetails silo, IServer server, ILogger<SiloLifecycleLog> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => logger.LogInformation("Silo {Silo} active in cluster {Cluster}, gateway {Gateway}, HTTP on {Urls}",
            silo.SiloAddress, silo.ClusterId, silo.GatewayAddress, string.Join(", ", server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [])));
        lifetime.ApplicationStopping.Register(() => logger.LogInformation("Silo {Silo} stopping: it finishes its work and leaves the cluster, whose other silos take its grains", silo.SiloAddress));
        lifetime.ApplicationStopped.Register(() => logger.LogInformation("Silo {Silo} stopped", silo.SiloAddress));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
