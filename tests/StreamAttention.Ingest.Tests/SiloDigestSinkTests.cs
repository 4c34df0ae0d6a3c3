using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Diagnostics;
using StreamAttention.Contracts.Live;
using StreamAttention.Contracts.Users;
using StreamAttention.Server.Hosting;

namespace StreamAttention.Ingest.Tests;

/// <summary>
/// Where a silo's users' digests go, as the silo command composes it: to Kafka whenever the silo knows its Kafka,
/// whether it runs the ingest or a standalone ingest process does (as the deployment files run it).
/// </summary>
public sealed class SiloDigestSinkTests
{
    [Fact]
    public async Task A_silo_without_the_ingest_but_with_its_kafka_sends_digests_to_the_digest_topic()
    {
        await using var kafka = Traffic.StartKafka();
        await using var silo = SiloHost.Build(SiloHost.CreateBuilder([.. TestAuth.Arguments, $"--Ingest:BootstrapServers={kafka.BootstrapServers}", "--Ingest:Enabled=false"]));

        var sink = Assert.Single(silo.Services.GetServices<IDigestSink>());
        await sink.PublishAsync(new Digest("carol/1", "carol", DateTimeOffset.UnixEpoch, DigestReasons.Schedule, 1,
            [new DigestGroup("db", [new UserMatch(DateTimeOffset.UnixEpoch, "db", Texts.DatabaseMessage, 0.8f, [], "m-1", DeliveryKinds.Deferred)], 0)]),
            CancellationToken.None);

        var record = Assert.Single(OutputReader.ReadAll(kafka, Traffic.DigestTopic));
        Assert.Equal("carol", Encoding.UTF8.GetString(record.Message.Key));
        Assert.Equal("m-1", (string?)JsonNode.Parse(record.Message.Value)!["groups"]![0]!["top"]![0]!["matchId"]);
    }

    [Fact]
    public async Task A_silo_sending_digests_to_kafka_is_degraded_while_no_broker_answers_and_needs_no_input_topic()
    {
        await using var kafka = Traffic.StartKafka();
        await using var silo = SiloHost.Build(SiloHost.CreateBuilder([.. TestAuth.Arguments, $"--Ingest:BootstrapServers={kafka.BootstrapServers}", "--Ingest:Enabled=false",
            "--Ingest:InputTopics:0=a-topic-nobody-created"]));
        await using var unreachable = SiloHost.Build(SiloHost.CreateBuilder([.. TestAuth.Arguments, "--Ingest:BootstrapServers=127.0.0.1:9", "--Ingest:Enabled=false"]));

        var reachable = await KafkaCheckAsync(silo.Services);
        var refused = await KafkaCheckAsync(unreachable.Services);

        Assert.Equal((HealthStatus.Healthy, "1 broker(s) reachable"), (reachable.Status, reachable.Description));
        // Degraded, not Unhealthy: its API serves without Kafka (a readiness probe still routes to it), its digests wait.
        Assert.Equal(HealthStatus.Degraded, refused.Status);
    }

    /// <summary>The readiness check named "kafka", as <c>/health/ready</c> runs it.</summary>
    private static Task<HealthCheckResult> KafkaCheckAsync(IServiceProvider services)
    {
        var registration = Assert.Single(services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations, r => r.Name == "kafka");
        Assert.Contains(HealthCheckTags.Ready, registration.Tags);
        return registration.Factory(services).CheckHealthAsync(new HealthCheckContext { Registration = registration });
    }

    [Theory]
    [InlineData(true, 1)]
    [InlineData(false, 0)]
    public async Task A_silo_running_the_ingest_has_one_digest_sink_and_one_without_kafka_none(bool ingest, int sinks)
    {
        await using var silo = SiloHost.Build(SiloHost.CreateBuilder([.. TestAuth.Arguments, .. ingest ? ["--Ingest:Enabled=true", "--Ingest:BootstrapServers=127.0.0.1:9"] : Array.Empty<string>()]));

        Assert.Equal(sinks, silo.Services.GetServices<IDigestSink>().Count());
    }
}
