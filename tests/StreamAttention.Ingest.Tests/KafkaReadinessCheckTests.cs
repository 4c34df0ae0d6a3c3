using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using StreamAttention.Ingest.Diagnostics;
using StreamAttention.Ingest.EmbeddedKafka;
using StreamAttention.Ingest.Options;

namespace StreamAttention.Ingest.Tests;

public sealed class KafkaReadinessCheckTests
{
    [Fact]
    public async Task The_check_asks_Kafka_with_the_ingests_producer_settings()
    {
        await using var kafka = EmbeddedKafkaCluster.Start(1);
        kafka.CreateTopic("streamattention.messages", 1);

        var plain = await CheckAsync(new KafkaIngestOptions { BootstrapServers = kafka.BootstrapServers });
        // The embedded Kafka speaks plaintext only: a client with the ingest's TLS setting cannot get an answer, as a
        // client without it could not from a Kafka that needs TLS or SASL (the check used to ignore those settings).
        var tls = await CheckAsync(new KafkaIngestOptions { BootstrapServers = kafka.BootstrapServers, Producer = { ["security.protocol"] = "ssl" } });

        Assert.Equal((HealthStatus.Healthy, "1 broker(s) reachable"), (plain.Status, plain.Description));
        Assert.Equal(HealthStatus.Unhealthy, tls.Status);
        Assert.StartsWith("Kafka unreachable", tls.Description);
    }

    private static Task<HealthCheckResult> CheckAsync(KafkaIngestOptions options)
        => new KafkaReadinessCheck(Microsoft.Extensions.Options.Options.Create(options), NullLogger<KafkaReadinessCheck>.Instance).CheckHealthAsync(new HealthCheckContext());
}
