using Microsoft.Extensions.Diagnostics.HealthChecks;
using StreamAttention.Grains.Live;

namespace StreamAttention.Server.Diagnostics;

/// <summary>The silo receives the cluster's live match feed, so its live streams see every match.</summary>
public sealed class LiveFeedReadinessCheck(MatchBroadcaster feed) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        => Task.FromResult(feed.IsSubscribed
            ? HealthCheckResult.Healthy("Subscribed to the live match feed")
            : HealthCheckResult.Unhealthy("Not yet subscribed to the live match feed"));
}
