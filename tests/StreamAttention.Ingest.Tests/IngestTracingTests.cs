using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using StreamAttention.Contracts.Diagnostics;
using StreamAttention.Ingest.Decoding;
using StreamAttention.Ingest.Diagnostics;
using StreamAttention.Ingest.EmbeddedKafka;
using StreamAttention.Ingest.Publishing;

namespace StreamAttention.Ingest.Tests;

/// <summary>
/// One message followed through a trace: its producer's <c>traceparent</c> honoured, each message of a batch named in
/// the batch's span (position, id, outcome, decisions) without its text, and the trace context on every output.
/// </summary>
public sealed class IngestTracingTests(IngestClusterFixture fixture) : IClassFixture<IngestClusterFixture>
{
    [Fact]
    public async Task A_traced_message_alone_in_its_batch_is_a_child_of_its_producer_and_its_outputs_continue_that_trace()
    {
        using var spans = new IngestSpans();
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "traced-one");
        var producer = Traced();

        await ProduceAsync(kafka, ("traced-db", Traffic.TextOf(0), producer));
        await OutputReader.WaitForAllCommittedAsync(kafka, "traced-one");

        var batch = Assert.Single(spans.Of(producer.TraceId));
        // Its parent is the producer's span, in another process: a remote parent, as exporters mark it.
        Assert.Equal(("ingest batch", ActivityKind.Consumer, producer.SpanId, true), (batch.DisplayName, batch.Kind, batch.ParentSpanId, batch.HasRemoteParent));
        var message = Assert.Single(batch.Events);
        var match = Assert.Single(OutputReader.ReadMatches(kafka));
        Assert.Equal(IngestTracing.MessageEvent, message.Name);
        AssertTags(message.Tags, ("messaging.message.id", "traced-db"), ("messaging.destination.name", Traffic.InputTopic), ("messaging.destination.partition.id", "0"),
            ("messaging.kafka.offset", 0L), ("streamattention.outcome", IngestInstruments.Matched), ("streamattention.matches", 1),
            ($"streamattention.delivery.{(string)match["delivery"]!}", 1));
        Assert.All(OutputReader.ReadAll(kafka, Traffic.OutputTopic).Concat(OutputReader.ReadAll(kafka, Traffic.NotificationTopic)),
            record => Assert.Equal(batch.Id, OutputReader.Header(record, IngestTracing.TraceParentHeader)));
        spans.AssertNoText(Traffic.TextOf(0));
    }

    [Fact]
    public async Task A_batch_links_each_traced_message_names_every_message_and_its_dead_letters_carry_a_trace_context()
    {
        using var spans = new IngestSpans();
        await using var kafka = Traffic.StartKafka();
        var (first, third, badTraced) = (Traced(), Traced(), Traced());
        // Produced before the ingest starts, on one partition: its first batch reads them together.
        await ProduceAsync(kafka,
            ("linked-db", Traffic.TextOf(0), first),
            ("linked-racing", Traffic.TextOf(1), null),
            ("linked-none", Traffic.TextOf(2), third),
            (null, "{\"id\": \"bad-untraced\"", null),
            (null, "{\"id\": \"bad-traced\"", badTraced));
        // A batch of exactly these five, however late the loop's thread runs: with the tests' 20 ms wait, a busy
        // machine ended the first batch after three of them (CI did).
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "traced-batch", options => (options.MaxBatchSize, options.MaxBatchWait) = (5, TimeSpan.FromSeconds(5)));
        await OutputReader.WaitForAllCommittedAsync(kafka, "traced-batch");

        var batch = Assert.Single(spans.All(), span => span.Links.Any(link => link.Context.TraceId == first.TraceId));
        Assert.Equal(5, batch.Events.Count());
        Assert.Equal(default, batch.ParentSpanId);
        Assert.Equal([(first.SpanId, 0L), (third.SpanId, 2L), (badTraced.SpanId, 4L)],
            batch.Links.Select(link => (link.Context.SpanId, (long)link.Tags!.Single(t => t.Key == "messaging.kafka.offset").Value!)));
        var events = batch.Events.ToDictionary(e => (long)e.Tags.Single(t => t.Key == "messaging.kafka.offset").Value!);
        AssertTags(events[0].Tags, ("messaging.message.id", "linked-db"), ("streamattention.outcome", IngestInstruments.Matched), ("streamattention.matches", 1));
        AssertTags(events[1].Tags, ("messaging.message.id", "linked-racing"), ("streamattention.outcome", IngestInstruments.Matched), ("streamattention.matches", 1));
        AssertTags(events[2].Tags, ("messaging.message.id", "linked-none"), ("streamattention.outcome", IngestInstruments.NoMatch), ("streamattention.matches", 0));
        AssertTags(events[3].Tags, ("streamattention.outcome", IngestInstruments.DeadLettered), ("streamattention.reason", DeadLetterReasons.MalformedJson));
        Assert.DoesNotContain(events[3].Tags, t => t.Key == "messaging.message.id");

        // A match's record continues the batch's trace; a dead letter its producer's, or the batch's when it had none.
        Assert.All(OutputReader.ReadAll(kafka, Traffic.OutputTopic), record => Assert.Equal(batch.Id, OutputReader.Header(record, IngestTracing.TraceParentHeader)));
        var letters = OutputReader.ReadAll(kafka, Traffic.DeadLetterTopic).ToDictionary(r => OutputReader.Header(r, DeadLetterHeaders.SourceOffset));
        Assert.Equal(batch.Id, OutputReader.Header(letters["3"], IngestTracing.TraceParentHeader));
        Assert.Equal(Traceparent(badTraced), OutputReader.Header(letters["4"], IngestTracing.TraceParentHeader));
        Assert.Single(letters["4"].Message.Headers, h => h.Key == IngestTracing.TraceParentHeader);
        spans.AssertNoText(Traffic.TextOf(0), Traffic.TextOf(1), Traffic.TextOf(2), Traffic.DatabaseUser, Traffic.RacingUser);
    }

    internal static ActivityContext Traced() => new(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);

    private static string Traceparent(ActivityContext context) => $"00-{context.TraceId}-{context.SpanId}-01";

    private static void AssertTags(IEnumerable<KeyValuePair<string, object?>> tags, params (string Key, object Value)[] expected)
    {
        var actual = tags.ToDictionary(t => t.Key, t => t.Value);
        Assert.All(expected, e => Assert.Equal(e.Value, actual.GetValueOrDefault(e.Key)));
    }

    /// <summary>Produces to partition 0, in order: (id, text, the producer's trace context) as JSON, or (null, the raw value, context).</summary>
    internal static async Task ProduceAsync(EmbeddedKafkaCluster kafka, params (string? Id, string Text, ActivityContext? Trace)[] messages)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClients.Producer(kafka)).Build();
        foreach (var (id, text, trace) in messages)
        {
            var value = id is null ? text : new JsonObject { ["id"] = id, ["text"] = text }.ToJsonString();
            var headers = new Headers();
            if (trace is { } context)
            {
                headers.Add(IngestTracing.TraceParentHeader, Encoding.ASCII.GetBytes(Traceparent(context)));
            }
            await producer.ProduceAsync(new TopicPartition(Traffic.InputTopic, 0),
                new Message<byte[]?, byte[]?> { Value = Encoding.UTF8.GetBytes(value), Headers = headers }).WaitAsync(KafkaClients.Deadline);
        }
    }

    /// <summary>Every ingest span stopped while it listens (other tests' too: each test picks its own by trace id or link).</summary>
    internal sealed class IngestSpans : IDisposable
    {
        private readonly ConcurrentQueue<Activity> _stopped = new();
        private readonly ActivityListener _listener;

        public IngestSpans()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == InstrumentNames.IngestActivitySource,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = _stopped.Enqueue,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public IReadOnlyList<Activity> All() => [.. _stopped];

        public IEnumerable<Activity> Of(ActivityTraceId trace) => All().Where(span => span.TraceId == trace);

        /// <summary>No tag of a span, its events or links, nor its status description, holds any of <paramref name="texts"/>.</summary>
        public void AssertNoText(params string[] texts)
        {
            var values = All().SelectMany(span => span.TagObjects.Concat(span.Events.SelectMany(e => e.Tags)).Concat(span.Links.SelectMany(l => l.Tags ?? []))
                    .Select(tag => Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture) ?? "").Append(span.StatusDescription ?? ""));
            Assert.All(values, value => Assert.All(texts, text => Assert.DoesNotContain(text, value, StringComparison.Ordinal)));
        }

        public void Dispose() => _listener.Dispose();
    }
}
