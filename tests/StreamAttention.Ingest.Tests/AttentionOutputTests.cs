using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Live;
using StreamAttention.Contracts.Users;
using StreamAttention.Ingest.Diagnostics;
using StreamAttention.Ingest.Publishing;

namespace StreamAttention.Ingest.Tests;

/// <summary>The delivery decisions on the topics: every match with its decision (audit), the immediate ones as notifications, digests.</summary>
public sealed class AttentionOutputTests(IngestClusterFixture fixture) : IClassFixture<IngestClusterFixture>
{
    private const string User = "ingest-attention";

    [Fact]
    public async Task Every_match_carries_its_decision_the_immediate_ones_are_notifications_and_the_history_agrees()
    {
        var grain = fixture.Grains.GetGrain<IUserGrain>(User);
        await grain.PutInterests([new InterestInput("db", Texts.DatabaseInterest, 0.3f)]);
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "attention");
        string[] texts = [Texts.DatabaseMessage, Texts.DatabaseMessage, "postgresql replication lag on the database replica", Texts.DatabaseMessage + " again"];
        using (var producer = new ProducerBuilder<string, string>(KafkaClients.Producer(kafka)).Build())
        {
            for (var i = 0; i < texts.Length; i++)
            {
                // One key, so one partition: the matches are published in this order. Batches are scored
                // concurrently, so the messages may reach the user's delivery policy in another one.
                await producer.ProduceAsync(Traffic.InputTopic, new Message<string, string> { Key = User, Value = JsonSerializer.Serialize(new { id = $"a-{i}", text = texts[i], user = User }) });
            }
        }
        await OutputReader.WaitForAllCommittedAsync(kafka, "attention");

        var matches = OutputReader.ReadMatches(kafka);
        Assert.Equal(["a-0", "a-1", "a-2", "a-3"], matches.Select(m => (string)m["messageId"]!));
        var byMessage = matches.ToDictionary(m => (string)m["messageId"]!);
        Assert.Equal(DeliveryKinds.Immediate, (string?)byMessage["a-2"]["delivery"]);
        Assert.Null((string?)byMessage["a-2"]["duplicateOf"]);
        // a-0, a-1 and a-3 say the same thing: whichever the policy decides first notifies, the others are its duplicates.
        string[] sameWords = ["a-0", "a-1", "a-3"];
        var first = byMessage[Assert.Single(sameWords, id => (string?)byMessage[id]["delivery"] == DeliveryKinds.Immediate)];
        Assert.Null((string?)first["duplicateOf"]);
        Assert.All(sameWords.Select(id => byMessage[id]).Where(m => m != first), m =>
        {
            Assert.Equal(DeliveryKinds.SuppressedDuplicate, (string?)m["delivery"]);
            Assert.Equal((string?)first["matchId"], (string?)m["duplicateOf"]);
        });

        var notifications = OutputReader.ReadAll(kafka, Traffic.NotificationTopic).Select(r => JsonNode.Parse(r.Message.Value)!).ToArray();
        Assert.Equal(matches.Where(m => (string)m["delivery"]! == DeliveryKinds.Immediate).Select(m => (string)m["matchId"]!).Order(),
            notifications.Select(n => (string)n["matchId"]!).Order());

        // The history names each match's Kafka message by its position, as the record's source does, and by its id.
        var history = (await grain.GetMatches(10)).ToDictionary(m => m.MatchId, m => (m.Delivery, m.Source, m.MessageId));
        Assert.Equal(matches.Select(m => (string)m["matchId"]!).Order(), history.Keys.Order());
        Assert.All(matches, m => Assert.Equal(((string?)m["delivery"], $"{m["source"]!["topic"]}/{m["source"]!["partition"]}/{m["source"]!["offset"]}", (string?)m["messageId"]),
            history[(string)m["matchId"]!]));
    }

    /// <summary>
    /// A duplicate whose original was read from another input partition names it by its match id (derived from where the
    /// original was read, so the same wherever and however often it is scored), and both are published under the user's
    /// key, to one output partition: a consumer of that partition finds the original there, before or after the duplicate.
    /// </summary>
    [Fact]
    public async Task A_duplicate_of_a_match_read_from_another_input_partition_names_it_on_the_same_output_partition()
    {
        const string user = "ingest-attention-partitions";
        await fixture.Grains.GetGrain<IUserGrain>(user).PutInterests([new InterestInput("db", Texts.DatabaseInterest, 0.3f)]);
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "attention-partitions");
        using (var producer = new ProducerBuilder<string, string>(KafkaClients.Producer(kafka)).Build())
        {
            // The same words once in every input partition.
            for (var partition = 0; partition < Traffic.Partitions; partition++)
            {
                await producer.ProduceAsync(new TopicPartition(Traffic.InputTopic, partition),
                    new Message<string, string> { Key = user, Value = JsonSerializer.Serialize(new { id = $"p-{partition}", text = Texts.DatabaseMessage, user }) });
            }
        }
        await OutputReader.WaitForAllCommittedAsync(kafka, "attention-partitions");

        var records = OutputReader.ReadAll(kafka, Traffic.OutputTopic);
        Assert.Single(records.Select(r => r.Partition.Value).Distinct());
        var matches = records.Select(r => JsonNode.Parse(r.Message.Value)!.AsObject()).ToList();
        Assert.Equal(Enumerable.Range(0, Traffic.Partitions), matches.Select(m => (int)m["source"]!["partition"]!).Order());
        var original = Assert.Single(matches, m => (string?)m["delivery"] == DeliveryKinds.Immediate);
        Assert.All(matches.Where(m => m != original), m =>
            Assert.Equal((DeliveryKinds.SuppressedDuplicate, (string?)original["matchId"]), ((string?)m["delivery"], (string?)m["duplicateOf"])));
    }

    [Fact]
    public async Task A_digest_goes_to_the_digest_topic_keyed_by_user_with_its_id_in_a_header()
    {
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "digests");
        var sink = ingest.Services.GetRequiredService<IDigestSink>();
        var match = new UserMatch(DateTimeOffset.UnixEpoch, "db", Texts.DatabaseMessage, 0.8f, [], "m-1", DeliveryKinds.Deferred);
        await sink.PublishAsync(new Digest($"{User}/1", User, DateTimeOffset.UnixEpoch, DigestReasons.Schedule, 3, [new DigestGroup("db", [match], 2)]), CancellationToken.None);

        var record = Assert.Single(OutputReader.ReadAll(kafka, Traffic.DigestTopic));
        Assert.Equal(User, Encoding.UTF8.GetString(record.Message.Key));
        Assert.Equal($"{User}/1", OutputReader.Header(record, OutputPublisher.DigestIdHeader));
        Assert.Equal(OutputSchema.Digest, OutputReader.Header(record, OutputSchema.Header));
        var digest = JsonNode.Parse(record.Message.Value)!;
        Assert.Equal((3, "m-1", 2), ((int)digest["total"]!, (string?)digest["groups"]![0]!["top"]![0]!["matchId"], (int)digest["groups"]![0]!["more"]!));
    }

    /// <summary>A digest's record carried no trace context, while a match's carries its batch's.</summary>
    [Fact]
    public async Task A_digest_record_carries_the_context_of_its_own_publish_span_a_new_root()
    {
        var published = new ConcurrentBag<Activity>();
        using var listener = PipelineTests.ListenToIngestActivities(published.Add);
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "digest-trace");
        var sink = ingest.Services.GetRequiredService<IDigestSink>();
        // What runs the publish may be inside some trace (a grain call of a batch that found the digest due).
        using var caller = new Activity("caller").Start();

        await sink.PublishAsync(new Digest($"{User}/2", User, DateTimeOffset.UnixEpoch, DigestReasons.Schedule, 0, []), CancellationToken.None);

        Assert.Same(caller, Activity.Current);
        var record = Assert.Single(OutputReader.ReadAll(kafka, Traffic.DigestTopic));
        var context = IngestTracing.ContextOf(record.Message.Headers);
        Assert.NotNull(context);
        var span = Assert.Single(published, activity => activity.SpanId == context.Value.SpanId);
        Assert.Equal(("publish digest", ActivityKind.Producer, default(ActivitySpanId)), (span.OperationName, span.Kind, span.ParentSpanId));
        Assert.NotEqual(caller.TraceId, span.TraceId);
        Assert.Equal(Traffic.DigestTopic, span.GetTagItem("messaging.destination.name"));
    }
}
