using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Diagnostics;
using StreamAttention.Contracts.Live;
using StreamAttention.Contracts.Users;
using StreamAttention.Ingest.Publishing;
using StreamAttention.Server.Hosting;
using Xunit.Abstractions;

namespace StreamAttention.Ingest.Tests;

/// <summary>
/// Where a silo's users' digests go, as the silo command composes it: to Kafka whenever the silo knows its Kafka,
/// whether it runs the ingest or a standalone ingest process does (as the deployment files run it).
/// </summary>
public sealed class SiloDigestSinkTests(ITestOutputHelper output)
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
        // Whole: no header names a cut.
        Assert.False(record.Message.Headers.TryGetLastBytes(OutputPublisher.DigestTextsTruncatedToHeader, out _));
        Assert.False(record.Message.Headers.TryGetLastBytes(OutputPublisher.DigestMatchesUnlistedHeader, out _));
    }

    /// <summary>
    /// A digest of a hundred long messages and a hundred repeats is far over librdkafka's 1,000,000-byte default: the
    /// producer refused it at every resend, and the user's later digests waited behind it for good. Cut, it keeps the
    /// repeats it does not list counted (<see cref="Digest.MoreRepeats"/>) as well.
    /// </summary>
    [Fact]
    public async Task A_digest_larger_than_the_producer_takes_goes_out_cut_to_fit_with_every_count()
    {
        await using var kafka = Traffic.StartKafka();
        await using var silo = SiloHost.Build(SiloHost.CreateBuilder([.. TestAuth.Arguments, $"--Ingest:BootstrapServers={kafka.BootstrapServers}", "--Ingest:Enabled=false"]));
        var text = string.Concat(Enumerable.Repeat(Texts.DatabaseMessage + " ", 20_000 / Texts.DatabaseMessage.Length));
        var groups = new[] { "db", "net" }.Select((interest, g) => new DigestGroup(interest,
            [.. Enumerable.Range(0, 50).Select(i => new UserMatch(DateTimeOffset.UnixEpoch.AddSeconds(i), interest, text, 0.9f - i / 100f - g / 1000f, [], $"{interest}-{i}", DeliveryKinds.Deferred))], 7)).ToArray();
        var repeats = Enumerable.Range(0, 100).Select(i => new DigestRepeat($"r-{i}", "db", 100 - i, DateTimeOffset.UnixEpoch, 0.8f, 0.85f, text)).ToArray();
        var digest = new Digest("dave/3", "dave", DateTimeOffset.UnixEpoch, DigestReasons.QuietHoursEnd, 114, groups, repeats, MoreRepeats: 3_000);

        await Assert.Single(silo.Services.GetServices<IDigestSink>()).PublishAsync(digest, CancellationToken.None);

        var record = Assert.Single(OutputReader.ReadAll(kafka, Traffic.DigestTopic));
        output.WriteLine($"digest value: {JsonSerializer.SerializeToUtf8Bytes(digest, OutputJson.Records.Digest).Length} B formed, {record.Message.Value.Length} B sent");
        Assert.InRange(record.Message.Value.Length, 1, 1_000_000);
        var sent = JsonNode.Parse(record.Message.Value)!;
        Assert.Equal(("dave/3", 114), ((string?)sent["id"], (int)sent["total"]!));
        // Every match is listed or counted in its group, and every repeat keeps its count; the texts end cut.
        Assert.All(sent["groups"]!.AsArray(), g => Assert.Equal(57, g!["top"]!.AsArray().Count + (int)g["more"]!));
        Assert.Equal(repeats.Select(r => r.Count), sent["repeats"]!.AsArray().Select(r => (int)r!["count"]!));
        Assert.Equal(3_000, (int)sent["moreRepeats"]!);
        Assert.All(sent["repeats"]!.AsArray(), r => Assert.EndsWith("…", (string?)r!["lastText"]));
        // The record says so: its texts were cut to 4,096 characters, and that sufficed (every match still listed).
        Assert.Equal("4096", OutputReader.Header(record, OutputPublisher.DigestTextsTruncatedToHeader));
        Assert.False(record.Message.Headers.TryGetLastBytes(OutputPublisher.DigestMatchesUnlistedHeader, out _));
        Assert.All(sent["groups"]!.AsArray(), g => Assert.Equal(50, g!["top"]!.AsArray().Count));
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
