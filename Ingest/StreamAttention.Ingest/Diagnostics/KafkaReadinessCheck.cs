using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamAttention.Ingest.Options;

namespace StreamAttention.Ingest.Diagnostics;

/// <summary>
/// The ingest's Kafka answers: a metadata request to its bootstrap servers lists at least one broker and, where the
/// process runs the ingest, every input topic. Registered where the process talks to Kafka: the ingest, or a silo that
/// sends its users' digests there (<paramref name="inputTopicsRead"/> false), whose registration makes a failure
/// Degraded: its API serves without Kafka, and its digests wait in their outbox until a broker answers.
/// </summary>
public sealed class KafkaReadinessCheck(IOptions<KafkaIngestOptions> options, ILogger<KafkaReadinessCheck> logger, bool inputTopicsRead = true) : IHealthCheck
{
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(3);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var ingest = options.Value;
        var data = new Dictionary<string, object> { ["bootstrapServers"] = ingest.BootstrapServers };
        try
        {
            // The producer's settings (an admin client is one in librdkafka): a Kafka that needs TLS or SASL refuses a
            // client without them, and the ingest would never be ready. Its lines are the check's result, so at debug level.
            var config = new AdminClientConfig { BootstrapServers = ingest.BootstrapServers };
            foreach (var (key, value) in ingest.Producer)
            {
                config.Set(key, value);
            }
            using var admin = new AdminClientBuilder(config)
                .SetLogHandler((_, line) => logger.LogDebug("Kafka {Client} {Facility}: {Text}", line.Name, line.Facility, line.Message))
                .SetErrorHandler((client, error) => logger.LogDebug("Kafka {Client} {Code}: {Reason}", client.Name, error.Code, error.Reason))
                .Build();
            var metadata = admin.GetMetadata(MetadataTimeout);
            var missing = inputTopicsRead ? ingest.EffectiveInputTopics.Except(metadata.Topics.Where(t => !t.Error.IsError).Select(t => t.Topic)).ToArray() : [];
            data["brokers"] = metadata.Brokers.Count;
            return Task.FromResult(metadata.Brokers.Count == 0 || missing.Length > 0
                ? new HealthCheckResult(FailureStatus(context), missing.Length > 0 ? $"Input topics missing: {string.Join(", ", missing)}" : "No broker answered", data: data)
                : HealthCheckResult.Healthy($"{metadata.Brokers.Count} broker(s) reachable", data));
        }
        catch (KafkaException e)
        {
            return Task.FromResult(new HealthCheckResult(FailureStatus(context), $"Kafka unreachable: {e.Error.Reason}", e, data));
        }
    }

    /// <summary>What its registration says a failure is: Unhealthy for the ingest, Degraded for a silo that only sends digests.</summary>
    private static HealthStatus FailureStatus(HealthCheckContext context) => context.Registration?.FailureStatus ?? HealthStatus.Unhealthy;
}
