using System.Diagnostics;
using System.Text.Json.Nodes;
using StreamAttention.Contracts;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;
using StreamAttention.Ingest.Decoding;
using StreamAttention.Ingest.EmbeddedKafka;
using StreamAttention.Ingest.Options;
using StreamAttention.Ingest.Publishing;

namespace StreamAttention.Ingest.Tests;

/// <summary>The publisher's records as they reach Kafka.</summary>
public sealed class OutputPublisherTests
{
    /// <summary>A publisher to <paramref name="kafka"/> with the ingest's default options, <paramref name="configure"/> applied.</summary>
    internal static OutputPublisher PublisherTo(EmbeddedKafkaCluster kafka, Action<KafkaIngestOptions>? configure = null)
    {
        var options = new KafkaIngestOptions { BootstrapServers = kafka.BootstrapServers };
        configure?.Invoke(options);
        return new OutputPublisher(Microsoft.Extensions.Options.Options.Create(options));
    }

    [Fact]
    public async Task Matches_whose_values_have_one_length_are_each_published_with_their_own_value()
    {
        await using var kafka = Traffic.StartKafka();
        using var publisher = PublisherTo(kafka);
        var message = new IngestMessage("m-1", "primary failed over", null, null, null, null, null, $"{Traffic.InputTopic}/0/0");
        // Ids of one width: the values of each delivery kind have one length, so the writer writes them into one array.
        var matches = Enumerable.Range(10, 40).Select(i => new TextMatch(0, $"user-{i}", $"interest-{i}", 0.75f, [new Highlight("failed", 0.5f)],
            $"match-{i}", i % 4 == 0 ? DeliveryKinds.Immediate : DeliveryKinds.Deferred)).ToArray();
        var acknowledgements = new BatchAcknowledgements();

        await publisher.PublishMatchesAsync(message, matches, new SourcePosition(Traffic.InputTopic, 0, 0), null, acknowledgements, CancellationToken.None);
        await acknowledgements.AllAsync().WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(matches.Select(m => (m.MatchId, m.UserId, m.InterestId, m.Delivery)).Order(), Published(kafka, Traffic.OutputTopic).Order());
        Assert.Equal(matches.Where(m => m.Delivery == DeliveryKinds.Immediate).Select(m => (m.MatchId, m.UserId, m.InterestId, m.Delivery)).Order(),
            Published(kafka, Traffic.NotificationTopic).Order());
    }

    [Fact]
    public async Task Each_match_record_is_keyed_by_its_own_user_whatever_the_keys_lengths_in_bytes()
    {
        await using var kafka = Traffic.StartKafka();
        using var publisher = PublisherTo(kafka);
        var message = new IngestMessage("m-1", "primary failed over", null, null, null, null, null, $"{Traffic.InputTopic}/0/0");
        // Keys written into arrays reused by length in bytes: "jü" and "abc" are 3 bytes each, "ü" is 2 bytes in 1 character;
        // users of one length alternate with users of others, immediate matches produced twice from one record.
        var users = new[] { "acme/jü", "acme/abc", "acme/ü", "acme/abcd", "acme/jü", "globex/abc", "acme/xyz", "acme/ab" };
        var matches = users.Select((user, i) => new TextMatch(0, user, $"interest-{i}", 0.75f, [new Highlight("failed", 0.5f)],
            $"match-{i}", i % 3 == 0 ? DeliveryKinds.Immediate : DeliveryKinds.Deferred)).ToArray();
        var acknowledgements = new BatchAcknowledgements();

        await publisher.PublishMatchesAsync(message, matches, new SourcePosition(Traffic.InputTopic, 0, 0), null, acknowledgements, CancellationToken.None);
        await acknowledgements.AllAsync().WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(matches.Select(m => (m.MatchId, m.UserId, m.InterestId, m.Delivery)).Order(), Published(kafka, Traffic.OutputTopic).Order());
        Assert.Equal(matches.Where(m => m.Delivery == DeliveryKinds.Immediate).Select(m => (m.MatchId, m.UserId, m.InterestId, m.Delivery)).Order(),
            Published(kafka, Traffic.NotificationTopic).Order());
    }

    /// <summary>
    /// A publish that fails after its span started (here cancelled) ends the span with status Error and the exception's
    /// type alone, and leaves its caller's activity current: the publish's root is no part of the caller's later work.
    /// </summary>
    [Fact]
    public async Task A_failed_digest_publish_marks_its_span_failed_and_leaves_the_callers_activity_current()
    {
        const string topic = "digests-of-a-failed-publish";
        var ended = new System.Collections.Concurrent.ConcurrentBag<Activity>();
        using var listener = PipelineTests.ListenToIngestActivities(ended.Add);
        await using var kafka = Traffic.StartKafka();
        using var publisher = PublisherTo(kafka, options => options.DigestTopic = topic);
        using var caller = new Activity("caller").Start();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            publisher.PublishAsync(new Digest("acme/bob/1", "acme/bob", DateTimeOffset.UnixEpoch, DigestReasons.Schedule, 0, []), new CancellationToken(canceled: true)));

        Assert.Same(caller, Activity.Current);
        var span = Assert.Single(ended, activity => activity.OperationName == "publish digest" && Equals(activity.GetTagItem("messaging.destination.name"), topic));
        Assert.Equal((ActivityStatusCode.Error, default(ActivitySpanId)), (span.Status, span.ParentSpanId));
        Assert.Equal(typeof(TaskCanceledException).FullName, span.GetTagItem("error.type"));
    }

    private static IEnumerable<(string?, string, string, string?)> Published(Ingest.EmbeddedKafka.EmbeddedKafkaCluster kafka, string topic)
        => OutputReader.ReadAll(kafka, topic).Select(record =>
        {
            var value = JsonNode.Parse(record.Message.Value)!;
            Assert.Equal((string)value["userId"]!, System.Text.Encoding.UTF8.GetString(record.Message.Key));
            // A notification is a match record too: the same value, the same schema.
            Assert.Equal(OutputSchema.Match, OutputReader.Header(record, OutputSchema.Header));
            return ((string?)value["matchId"], (string)value["userId"]!, (string)value["interestId"]!, (string?)value["delivery"]);
        });
}
