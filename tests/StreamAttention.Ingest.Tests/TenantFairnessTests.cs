using System.Text.Json;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Ingest.EmbeddedKafka;

namespace StreamAttention.Ingest.Tests;

/// <summary>
/// One tenant's backlog on its own topic does not hold up another tenant's stream: a message of tenant B produced
/// while tenant A's backlog is being read is scored long before A's backlog ends, instead of behind all of it (the
/// consumer's prefetch had fetched A's whole backlog, up to 100,000 messages or 64 MiB, into the one queue the loop
/// reads in order).
/// </summary>
public sealed class TenantFairnessTests(FaultyClusterFixture fixture) : IClassFixture<FaultyClusterFixture>
{
    private const string User = "fairness-db";
    private const string NoisyTopic = "fairness.acme";
    private const string QuietTopic = "fairness.globex";

    /// <summary>A word of every message's text (<see cref="Texts.DatabaseMessage"/>): the scoring calls held.</summary>
    private const string Word = "postgresql";

    /// <summary>~100 bytes a message: 600 KB, which the consumer fetched in one go, being less than a partition's fetch (1 MiB).</summary>
    private const int Backlog = 6000;

    [Fact]
    public async Task A_tenants_message_on_its_own_topic_is_not_queued_behind_another_tenants_backlog()
    {
        foreach (var tenant in new[] { "acme", "globex" })
        {
            await fixture.Cluster.Client.GetGrain<IUserGrain>($"{tenant}/{User}").PutInterests([new InterestInput("db", Texts.DatabaseInterest)]);
        }
        await using var kafka = EmbeddedKafkaCluster.Start();
        // One partition each, so the output's order is the order the ingest read in (it publishes in read order).
        foreach (var topic in new[] { NoisyTopic, QuietTopic, Traffic.OutputTopic, Traffic.DeadLetterTopic, Traffic.NotificationTopic, Traffic.DigestTopic })
        {
            kafka.CreateTopic(topic, 1);
        }
        // A fetch returns whole record batches: the Java client's 16 KiB rather than librdkafka's 1 MB (see the README).
        var producerConfig = KafkaClients.Producer(kafka);
        producerConfig.BatchSize = 16 * 1024;
        using var producer = new ProducerBuilder<string, string>(producerConfig).Build();
        await Task.WhenAll(Enumerable.Range(0, Backlog).Select(i => producer.ProduceAsync(NoisyTopic, Message($"acme-{i}")))).WaitAsync(KafkaClients.Deadline);
        const string group = "fairness";
        // B's message is produced while scoring holds A's first batches: the consumer has fetched what it fetches ahead
        // of them (before, all of A's backlog), and the loop has read at most MaxInFlightBatches batches of A however slow
        // this machine is (waiting for A's first match instead, a stalled test could produce B's message after A's
        // backlog had drained, and fail with the prefetch bounded).
        var held = fixture.Faults.HoldScoringOf(Word);
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, group, options =>
        {
            options.InputTopics = [NoisyTopic, QuietTopic];
            options.Tenancy.Topics = new() { [NoisyTopic] = "acme", [QuietTopic] = "globex" };
        });
        try
        {
            await held.WaitAsync(KafkaClients.Deadline);
            await producer.ProduceAsync(QuietTopic, Message("globex-0")).WaitAsync(KafkaClients.Deadline);
        }
        finally
        {
            fixture.Faults.ReleaseScoring();
        }
        await WaitForAllCommittedAsync(kafka, group);

        var ids = OutputReader.ReadTo(kafka, new Dictionary<TopicPartition, long> { [new(Traffic.OutputTopic, 0)] = HighWatermark(kafka) })
            .Select(r => (string)JsonNode.Parse(r.Message.Value)!["messageId"]!).ToList();
        Assert.Equal(Backlog + 1, ids.Distinct().Count());
        var quiet = ids.IndexOf("globex-0");
        // Read within what the consumer prefetches (MaxBatchSize × MaxInFlightBatches messages, a fetch of 64 KiB a
        // partition), not after the 6,000 messages of the backlog.
        Assert.True(quiet < Backlog / 2, $"globex's message was published after {quiet} of acme's {Backlog}");
    }

    private static Message<string, string> Message(string id) => new() { Key = id, Value = JsonSerializer.Serialize(new { id, text = Texts.DatabaseMessage }) };

    private static long HighWatermark(EmbeddedKafkaCluster kafka)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(KafkaClients.Consumer(kafka, "watermarks-" + Guid.NewGuid())).Build();
        return consumer.QueryWatermarkOffsets(new TopicPartition(Traffic.OutputTopic, 0), TimeSpan.FromSeconds(5)).High.Value;
    }

    private static async Task WaitForAllCommittedAsync(EmbeddedKafkaCluster kafka, string group)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(KafkaClients.Consumer(kafka, group)).Build();
        TopicPartition[] partitions = [new(NoisyTopic, 0), new(QuietTopic, 0)];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            var committed = consumer.Committed(partitions, TimeSpan.FromSeconds(5));
            if (committed.All(c => c.Offset.Value == consumer.QueryWatermarkOffsets(c.TopicPartition, TimeSpan.FromSeconds(5)).High.Value))
            {
                return;
            }
            await Task.Delay(200);
        }
        Assert.Fail($"The ingest did not commit both tenants' topics to their end within 120 s");
    }
}
