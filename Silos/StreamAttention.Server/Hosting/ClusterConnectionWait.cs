using StreamAttention.Grains.Options;

namespace StreamAttention.Server.Hosting;

/// <summary>
/// The ingest's first connection to its cluster (Orleans' connection retry filter): tried again until it connects, the
/// command stops or <c>Cluster:MaxWaitForSilo</c> passes (then the ingest exits, <see cref="UnreachableDependencyException"/>),
/// with a warning at the first failure and then every <see cref="WarningInterval"/> naming what it waits for and for how
/// long. Orleans' own lines name an address with a stack. Meanwhile the ingest's readiness says the same (<see cref="Waiting"/>).
/// </summary>
public sealed class ClusterConnectionWait(string awaited, TimeSpan? maxWait, ILogger<ClusterConnectionWait> logger, TimeProvider time) : IClientConnectionRetryFilter
{
    public static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(30);

    /// <summary>The pause grows a second a try, as Orleans' own; capped so that a silo that comes up is found within seconds.</summary>
    private static readonly TimeSpan MaxPause = TimeSpan.FromSeconds(10);

    private readonly long _started = time.GetTimestamp();
    private TimeSpan? _warnedAt;
    private volatile int _failures;

    /// <summary>What a client of <paramref name="cluster"/> waits for, as its settings name it.</summary>
    public static string Awaited(SiloClusterOptions cluster) => cluster.Clustering == ClusteringKind.Redis
        ? $"a silo of cluster '{cluster.ClusterId}' listed in Redis (Cluster:Redis, Cluster:ClusterId)"
        : $"the silo's gateway at 127.0.0.1:{cluster.GatewayPort} (Cluster:GatewayPort)";

    /// <summary>What the client waits for and for how long, once a try failed; null before.</summary>
    public string? Waiting => _failures == 0 ? null : $"Waiting for {awaited}: none answered in {time.GetElapsedTime(_started).TotalSeconds:0} s";

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        _failures++;
        var waited = time.GetElapsedTime(_started);
        if (maxWait is { } max && waited >= max)
        {
            throw new UnreachableDependencyException($"No silo answered: waited {waited.TotalSeconds:0} s for {awaited}, past Cluster:MaxWaitForSilo "
                + $"({max:c}; {_failures} tries; the last: {exception.Message})", exception);
        }
        if (_warnedAt is not { } warned || waited - warned >= WarningInterval)
        {
            _warnedAt = waited;
            logger.LogWarning("Waiting for {Awaited}: none answered in {Waited:0} s ({Failures} tries; the last: {Reason}); trying again until it does{Limit}",
                awaited, waited.TotalSeconds, _failures, exception.Message, maxWait is { } limit ? $" or Cluster:MaxWaitForSilo ({limit:c}) passes" : " or the ingest is stopped");
        }
        var pause = TimeSpan.FromSeconds(Math.Min(_failures, MaxPause.TotalSeconds));
        // The last try comes as the limit passes, not up to a pause after it.
        await Task.Delay(maxWait is { } deadline && deadline - waited < pause ? deadline - waited : pause, time, cancellationToken);
        return true;
    }
}
