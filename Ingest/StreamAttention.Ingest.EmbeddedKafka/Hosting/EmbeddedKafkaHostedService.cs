using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamAttention.Ingest.EmbeddedKafka.Options;

namespace StreamAttention.Ingest.EmbeddedKafka.Hosting;

/// <summary>
/// Runs an <see cref="EmbeddedKafkaCluster"/> for the host's lifetime: started, with its topics, when the host starts
/// (so hosted services registered after it can connect), stopped when the host stops.
/// </summary>
public sealed class EmbeddedKafkaHostedService(IOptions<EmbeddedKafkaOptions> options, ILogger<EmbeddedKafkaHostedService> logger)
    : IHostedService, IDisposable, IAsyncDisposable
{
    private EmbeddedKafkaCluster? _cluster;

    /// <summary>The running cluster; available once the host has started.</summary>
    public EmbeddedKafkaCluster Cluster => _cluster ?? throw new InvalidOperationException("The embedded Kafka cluster has not been started.");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var cluster = EmbeddedKafkaCluster.Start(settings.BrokerCount);
        try
        {
            foreach (var (topic, partitions) in settings.Topics)
            {
                cluster.CreateTopic(topic, partitions);
            }
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
        _cluster = cluster;
        logger.LogInformation("Embedded Kafka: {BrokerCount} broker(s) at {BootstrapServers}, topics {Topics}",
            settings.BrokerCount, cluster.BootstrapServers, string.Join(", ", settings.Topics.Select(t => $"{t.Key} ({t.Value} partitions)")));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _cluster, null) is { } cluster)
        {
            await cluster.DisposeAsync();
            logger.LogInformation("Embedded Kafka stopped");
        }
    }

    /// <summary>Stops the cluster if the host never did (a host that failed to start, a provider disposed directly).</summary>
    public void Dispose() => Interlocked.Exchange(ref _cluster, null)?.Dispose();

    public ValueTask DisposeAsync() => new(StopAsync(CancellationToken.None));
}
