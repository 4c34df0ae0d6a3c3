using Microsoft.Extensions.Diagnostics.HealthChecks;
using StreamAttention.Grains.Live;
using StreamAttention.Server.Hosting;

namespace StreamAttention.Server.Dashboard;

/// <summary>
/// The embedding model is loaded, and which provider scores. <see cref="ModelInfo"/> loads the embedder when the host
/// starts (the dashboard statistics need it), so this check reports rather than waits.
/// </summary>
public sealed class ModelReadinessCheck(ModelInfo model) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        return Task.FromResult(HealthCheckResult.Healthy($"{model.Model} ({model.Dimension} dimensions) on {model.ExecutionProvider}", new Dictionary<string, object>
        {
            ["model"] = model.Model,
            ["dimension"] = model.Dimension,
            ["executionProvider"] = model.ExecutionProvider,
        }));
    }
}

/// <summary>
/// The silo has joined its cluster and is active (not joining, shutting down or declared dead), and the cluster's
/// membership table still lists it so. A table that lost it (Redis restarted empty) leaves the silo running as before,
/// while a silo that starts then forms a cluster of its own beside it: nothing else says so. A table that cannot be
/// read is reported degraded, not unready: the silos keep working on the membership they know.
/// </summary>
public sealed partial class SiloReadinessCheck(ISiloStatusOracle silo, IMembershipTable membership, ILogger<SiloReadinessCheck> logger) : IHealthCheck
{
    private int _lossLogged;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = silo.CurrentStatus;
        var data = new Dictionary<string, object> { ["status"] = status.ToString(), ["silo"] = silo.SiloAddress.ToString() };
        if (status != SiloStatus.Active)
        {
            return HealthCheckResult.Unhealthy($"The silo is {status}", data: data);
        }
        SiloStatus? listed;
        try
        {
            listed = await MembershipRow.ListedStatusAsync(membership, silo.SiloAddress, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Degraded($"The silo is active; the cluster's membership table could not be read: {e.Message}", e, data);
        }
        data["listed"] = listed?.ToString() ?? MembershipRow.Absent;
        if (listed == SiloStatus.Active)
        {
            return HealthCheckResult.Healthy("The silo is active in its cluster", data);
        }
        var description = $"The silo is active but the cluster's membership table lists it as {data["listed"]}: the table was lost (e.g. its Redis "
            + "restarted empty) or the cluster declared the silo dead, and silos that start now form another cluster. Restart the silos.";
        if (Interlocked.Exchange(ref _lossLogged, 1) == 0)
        {
            LogMembershipLost(description);
        }
        return HealthCheckResult.Unhealthy(description, data: data);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Description}")]
    private partial void LogMembershipLost(string description);
}

/// <summary>The silo receives the cluster's live match feed, so its live streams see every match.</summary>
public sealed class LiveFeedReadinessCheck(MatchBroadcaster feed) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        => Task.FromResult(feed.IsSubscribed
            ? HealthCheckResult.Healthy("Subscribed to the live match feed")
            : HealthCheckResult.Unhealthy("Not yet subscribed to the live match feed"));
}

/// <summary>
/// An Orleans client (the standalone ingest) is connected to its cluster: the host has started, which the client does
/// only once it reached a gateway, and the client has not lost every gateway since.
/// </summary>
public sealed class ClusterClientReadinessCheck(IHostApplicationLifetime lifetime) : IHealthCheck, IClusterConnectionStatusObserver
{
    /// <summary>Connected gateways as last reported; the client reports only changes, so none is known at first.</summary>
    private volatile int _gateways = -1;
    private volatile bool _lost;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = _gateways < 0 ? new Dictionary<string, object>() : new Dictionary<string, object> { ["gateways"] = _gateways };
        return Task.FromResult(!lifetime.ApplicationStarted.IsCancellationRequested ? HealthCheckResult.Unhealthy("The cluster client is connecting", data: data)
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
