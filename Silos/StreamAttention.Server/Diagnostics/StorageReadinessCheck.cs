using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace StreamAttention.Server.Diagnostics;

/// <summary>
/// The grains' Redis storage answers a PING within <paramref name="pingTimeout"/> (<c>Cluster:StoragePingTimeout</c>).
/// Without it every user's read and write fails (the API answers 503) while the silo looked ready. One connection,
/// made at the first check and kept (it reconnects by itself), serves every check: a probe opens none.
/// </summary>
public sealed class StorageReadinessCheck(string redisConfiguration, TimeSpan pingTimeout) : IHealthCheck, IAsyncDisposable
{
    private readonly Lazy<Task<ConnectionMultiplexer>> _connection = new(() => Connect(redisConfiguration));

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var redis = await _connection.Value.WaitAsync(pingTimeout, cancellationToken);
            var latency = await redis.GetDatabase().PingAsync().WaitAsync(pingTimeout, cancellationToken);
            return HealthCheckResult.Healthy($"The grain storage (Redis) answered a PING in {latency.TotalMilliseconds:0.#} ms");
        }
        catch (Exception e) when (e is TimeoutException or RedisException)
        {
            return HealthCheckResult.Unhealthy($"The grain storage (Redis) did not answer a PING within {pingTimeout:c} (Cluster:StoragePingTimeout): "
                + "users' reads and writes fail, and the API answers them with 503, until it does", e is TimeoutException ? null : e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection.IsValueCreated && _connection.Value.IsCompletedSuccessfully)
        {
            await _connection.Value.Result.DisposeAsync();
        }
    }

    /// <summary>Connected or not: a Redis down at the first check is connected to in the background, and the check says so meanwhile.</summary>
    private static Task<ConnectionMultiplexer> Connect(string configuration)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false;
        return ConnectionMultiplexer.ConnectAsync(options);
    }
}
