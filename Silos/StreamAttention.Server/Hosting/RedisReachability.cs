using System.ComponentModel.DataAnnotations;
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
        // With abortConnect=false in Cluster:Redis (often advised, so that clients ride out an outage) the connect returns
        // unconnected instead of failing, and the check would pass whatever Redis does.
        options.AbortOnConnectFail = true;
        // ConnectAsync takes no token and waits out connectTimeout whatever becomes of its sockets: a stop returns at once,
        // closes the sockets the attempt opened (one it opens later at once) and disposes a connection made all the same,
        // so that nothing of the attempt stays with the stopping process.
        var socketClosings = new System.Collections.Concurrent.ConcurrentBag<CancellationTokenRegistration>();
        options.BeforeSocketConnect = (_, _, socket) => socketClosings.Add(cancellationToken.Register(socket.Dispose));
        var connecting = ConnectionMultiplexer.ConnectAsync(options);
        _ = connecting.ContinueWith(connect =>
        {
            foreach (var closing in socketClosings)
            {
                closing.Dispose();
            }
            if (connect.IsCompletedSuccessfully && cancellationToken.IsCancellationRequested)
            {
                connect.Result.Dispose();
            }
        }, TaskScheduler.Default);
        var started = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await using var connection = await connecting.WaitAsync(cancellationToken);
        }
        catch (RedisConnectionException e) when (RedisConnectionFailure.Find(e) is { RefusedCredentials: true })
        {
            // Redis answered and refused the password or user: a setting to correct (exit code 2), which starting again
            // does not cure, not an unreachable service (a connection lost during the handshake is one).
            throw new ValidationException(RedisConnectionFailure.DescribeRefusedCredentials(EndPoints(options), e.Message), null, null);
        }
        catch (RedisConnectionException e)
        {
            throw new UnreachableDependencyException(
                $"Redis at {EndPoints(options)} (Cluster:Redis) could not be reached: no connection in "
                + $"{started.Elapsed.TotalSeconds:0.#} s ({options.ConnectRetry} tries, connectTimeout={options.ConnectTimeout} ms); is it running there?", e);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static string EndPoints(ConfigurationOptions options) => string.Join(", ", options.EndPoints.Select(Format));

    private static string Format(System.Net.EndPoint endPoint) => endPoint switch
    {
        System.Net.DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        _ => endPoint.ToString() ?? "",
    };
}
