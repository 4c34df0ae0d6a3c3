using System.Diagnostics;
using StreamAttention.Contracts.Users;
using StreamAttention.Ingest.Diagnostics;

namespace StreamAttention.Ingest.Tests;

/// <summary>
/// Tests that need nothing to listen to the ingest's activity source: their collection runs alone, after the others,
/// whose listeners (<see cref="PipelineTests.ListenToIngestActivities"/>) are process-wide.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NoIngestListenerCollection
{
    public const string Name = "nothing listens to the ingest's source";
}

[Collection(NoIngestListenerCollection.Name)]
public sealed class DigestTraceContextTests
{
    /// <summary>
    /// With nothing listening to the ingest's source, a digest published inside another trace (an activity of a source
    /// something else listens to, or made by hand) carried that trace's <c>traceparent</c>: its record was a child of
    /// whatever grain call ran the publish, not a new root.
    /// </summary>
    [Fact]
    public async Task A_digest_published_inside_a_trace_while_nothing_listens_to_the_ingests_source_carries_no_trace_context()
    {
        Assert.False(IngestTracing.Source.HasListeners());
        await using var kafka = Traffic.StartKafka();
        using var publisher = OutputPublisherTests.PublisherTo(kafka);
        using var caller = new Activity("caller").Start();

        await publisher.PublishAsync(new Digest("acme/bob/1", "acme/bob", DateTimeOffset.UnixEpoch, DigestReasons.Schedule, 0, []), CancellationToken.None);

        Assert.Same(caller, Activity.Current);
        var record = Assert.Single(OutputReader.ReadAll(kafka, Traffic.DigestTopic));
        Assert.Null(IngestTracing.ContextOf(record.Message.Headers));
    }
}
