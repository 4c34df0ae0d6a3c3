using StreamAttention.Grains.Options;

namespace StreamAttention.Server.Hosting;

/// <summary>
/// The ingest's first connection to its cluster (Orleans' connection retry filter): tried again until it connects or the
/// command stops, as Orleans' own filter does, with a warning at the first failure and then every
/// <see cref="WarningInterval"/> naming what it waits for and for how long. Orleans' own lines name an address with a
/// stack, and the ingest's <c>/health</c> answers only once it is connected (its web server starts after the client).
/// </summary>
public sealed class ClusterConnectionWait(string awaited, ILogger<ClusterConnectionWait> logger, TimeProvider time) : IClientConnectionRetryFilter
{
    public static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(30);

    /// <summary>The pause grows a second a try, as Orleans' own; capped so that a silo that comes up is found within seconds.</summary>
    private static readonly TimeSpan MaxPause = TimeSpan.FromSeconds(10);

    private readonly long _started = time.GetTimestamp();
    private TimeSpan? _warnedAt;
    private int _failures;

    /// <summary>What a client of <paramref name="cluster"/> waits for, as its settings name it.</summary>
    public static string Awaited(SiloClusterOptions cluster) => cluster.Clustering == ClusteringKind.Redis
        ? $"a silo of cluster '{cluster.ClusterId}' listed in Redis (Cluster:Redis, Cluster:ClusterId)"
        : $"the silo's gateway at 127.0.0.1:{cluster.GatewayPort} (Cluster:GatewayPort)";

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        _failures++;
        var waited = time.GetElapsedTime(_started);
        if (_warnedAt is not { } warned || waited - warned >= WarningInterval)
        {
            _warnedAt = waited;
            logger.LogWarning("Waiting for {Awaited}: none answered in {Waited:0} s ({Failures} tries; the last: {Reason}); trying again until it does or the ingest is stopped",
                awaited, waited.TotalSeconds, _failures, exception.Message);
        }
        await Task.Delay(TimeSpan.FromSeconds(Math.Min(_failures, MaxPause.TotalSeconds)), time, cancellationToken);
        return true;
    }
}
