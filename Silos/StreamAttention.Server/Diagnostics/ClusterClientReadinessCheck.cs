using Microsoft.Extensions.Diagnostics.HealthChecks;
using StreamAttention.Server.Hosting;

namespace StreamAttention.Server.Diagnostics;

/// <summary>
/// An Orleans client (the standalone ingest) is connected to its cluster: the host has started, which the client does
/// only once it reached a gateway, and the client has not lost every gateway since. Until then it says what the client
/// waits for and how long (<see cref="ClusterConnectionWait"/>).
/// </summary>
public sealed class ClusterClientReadinessCheck(IHostApplicationLifetime lifetime, ClusterConnectionWait wait) : IHealthCheck, IClusterConnectionStatusObserver
{
    /// <summary>Connected gateways as last reported; the client reports only changes, so none is known at first.</summary>
    private volatile int _gateways = -1;
    private volatile bool _lost;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = _gateways < 0 ? new Dictionary<string, object>() : new Dictionary<string, object> { ["gateways"] = _gateways };
        return Task.FromResult(!lifetime.ApplicationStarted.IsCancellationRequested ? HealthCheckResult.Unhealthy(wait.Waiting ?? "The cluster client is connecting", data: data)
            : _lost ? HealthCheckResult.Unhealthy("The cluster client lost its connection to the cluster", data: data)
            : HealthCheckResult.Healthy("The cluster client is connected", data));
    }

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered)
    {
        _gateways = currentNumberOfGateways;
        if (currentNumberOfGateways > 0)
        {
            _lost = false;
        }
    }

    public void NotifyClusterConnectionLost() => _lost = true;
}
