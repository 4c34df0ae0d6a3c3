using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;
using StreamAttention.Grains.Live;

namespace StreamAttention.Silo.Dashboard;

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

/// <summary>The silo has joined its cluster and is active (not joining, shutting down or declared dead).</summary>
public sealed class SiloReadinessCheck(ISiloStatusOracle silo) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = silo.CurrentStatus;
        var data = new Dictionary<string, object> { ["status"] = status.ToString(), ["silo"] = silo.SiloAddress.ToString() };
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy("The silo is active in its cluster", data)
            : HealthCheckResult.Unhealthy($"The silo is {status}", data: data));
    }
}

/// <summary>The silo receives the cluster's live match feed, so its live streams see every match.</summary>
public sealed class LiveFeedReadinessCheck(MatchBroadcaster feed) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        => Task.FromResult(feed.IsSubscribed
            ? HealthCheckResult.Healthy("Subscribed to the live match feed")
            : HealthCheckResult.Unhealthy("Not yet subscribed to the live match feed"));
}
