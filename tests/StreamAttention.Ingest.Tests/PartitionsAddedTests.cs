using Confluent.Kafka;

namespace StreamAttention.Ingest.Tests;

/// <summary>
/// Partitions added to the input topic while the ingest runs (Ingest README, "What a producer must know"): the group
/// picks them up at the consumer's next metadata refresh and reads them from their start.
/// </summary>
public sealed class PartitionsAddedTests(IngestClusterFixture fixture) : IClassFixture<IngestClusterFixture>
{
    /// <summary>
    /// The embedded Kafka cannot add partitions to a topic (Ingest.EmbeddedKafka README): the input topic is deleted
    /// and created again with more, while still empty, so the ingest sees its partition count go from 2 to 4. A short
    /// metadata refresh interval lets the group notice within the test (librdkafka's default is 5 minutes).
    /// </summary>
    [Fact]
    public async Task Partitions_added_to_the_input_topic_are_assigned_and_read_from_their_start()
    {
        const int before = 40;
        const int after = 40;
        const int addedPartitions = 2;
        await using var kafka = Traffic.StartKafka(inputPartitions: Traffic.Partitions - addedPartitions);
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "partitions-added",
            options => options.Consumer["topic.metadata.refresh.interval.ms"] = "1000");
        using var outcomes = new OutcomeCounter(ingest);
        var log = ingest.Log();
        var allAssigned = "Kafka consumer assigned "
            + string.Join(", ", Enumerable.Range(0, Traffic.Partitions).Select(p => new TopicPartition(Traffic.InputTopic, p)));
        var firstAssigned = await log.WaitForAsync("Kafka consumer assigned ");

        kafka.DeleteTopic(Traffic.InputTopic);
        Assert.True(kafka.CreateTopic(Traffic.InputTopic, Traffic.Partitions));
        // Every partition, the new ones included, gets messages before the consumer is assigned the new ones...
        await Traffic.ProduceAsync(kafka, 0, before, partition: i => i % Traffic.Partitions);
        Assert.True(log.CountOf(allAssigned) == 0,
            $"The consumer was assigned the new partitions before the first messages were written to them.\n{log.Tail()}");
        await log.WaitForAsync(allAssigned, firstAssigned);
        // ...and after.
        await Traffic.ProduceAsync(kafka, before, after, partition: i => i % Traffic.Partitions);

        await OutputReader.WaitForAllCommittedAsync(kafka, "partitions-added", log);
        // A rebalance may publish again what was finished but not committed when it began (Ingest README, "Delivery
        // guarantees"): up to a restart's worth per partitions revoked.
        OutputReader.AssertMatches(kafka, before + after, log.CountOf("Kafka consumer revoked") * IngestHosts.MaxDuplicatesPerRestart, log);
        await Eventually.SucceedsAsync(() => Task.Run(() => Assert.Equal(0, outcomes.ConsumerLag)));
    }
}
