using StackExchange.Redis;
using StreamAttention.Grains.Options;

namespace StreamAttention.Server.Hosting;

/// <summary>
/// The first hosted service of a silo or ingest that uses Redis (<c>Cluster:Redis</c>): it connects once, so that a
/// Redis that cannot be reached stops the start before Orleans' clustering, storage and reminders each fail on it
/// with their own errors and stacks, with one line naming its address and setting (<see cref="UnreachableDependencyException"/>).
/// A stop while it connects is a stop during start-up (<see cref="StopDuringStart"/>).
/// </summary>
public sealed class RedisReachability(string redisConfiguration) : IHostedService
{
    /// <summary>Puts the check before every other hosted service where <paramref name="cluster"/> clusters or stores state through Redis.</summary>
    public static void AddFirst(IServiceCollection services, SiloClusterOptions cluster)
    {
        if (cluster.Clustering == ClusteringKind.Redis || cluster.EffectiveStorage == StorageKind.Redis)
        {
            services.Insert(0, ServiceDescriptor.Singleton<IHostedService>(new RedisReachability(cluster.Redis!)));
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = ConfigurationOptions.Parse(redisConfiguration);
        var started = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(cancellationToken);
        }
        catch (RedisConnectionException e)
        {
            throw new UnreachableDependencyException(
                $"Redis at {string.Join(", ", options.EndPoints.Select(Format))} (Cluster:Redis) could not be reached: no connection in "
                + $"{started.Elapsed.TotalSeconds:0.#} s ({options.ConnectRetry} tries, connectTimeout={options.ConnectTimeout} ms); is it running there?", e);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static string Format(System.Net.EndPoint endPoint) => endPoint switch
    {
        System.Net.DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        _ => endPoint.ToString() ?? "",
    };
}
