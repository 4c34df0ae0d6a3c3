using Confluent.Kafka;

namespace StreamAttention.Ingest.Tests;

/// <summary>
/// What producers other than this project's send into the input topic. Aborted transactions are not tried here: the
/// embedded mock hands them to a read_committed consumer (Ingest.EmbeddedKafka's README).
/// </summary>
public sealed class ProducerEdgeTests(IngestClusterFixture fixture) : IClassFixture<IngestClusterFixture>
{
    /// <summary>
    /// Each committed transaction ends in a marker, an offset with no message for the consumer. The group was committed
    /// to the marker (the last message's offset + 1) and never past it, so the lag gauge showed 1 for each partition a
    /// transactional producer wrote last, for good, and so did every lag tool reading the group.
    /// </summary>
    [Fact]
    public async Task Transactional_records_are_scored_once_and_the_group_is_committed_to_the_logs_end_past_the_markers()
    {
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "transactional");
        using var outcomes = new OutcomeCounter(ingest);
        const int count = 24;
        var config = KafkaClients.Producer(kafka);
        config.TransactionalId = "transactional-producer";
        using (var producer = new ProducerBuilder<string, string>(config).Build())
        {
            producer.InitTransactions(KafkaClients.Deadline);
            foreach (var transaction in Enumerable.Range(0, count).Chunk(8))
            {
                producer.BeginTransaction();
                foreach (var i in transaction)
                {
                    producer.Produce(Traffic.InputTopic, new Message<string, string> { Key = $"key-{i % 16}", Value = Traffic.Json(i) });
                }
                producer.CommitTransaction(KafkaClients.Deadline);
            }
        }

        await OutputReader.WaitForAllCommittedAsync(kafka, "transactional", ingest.Log());

        Assert.Equal(0, OutputReader.AssertMatches(OutputReader.ReadMatches(kafka), count, maxDuplicates: 0));
        Assert.Equal(count, outcomes.Total);
        await Eventually.SucceedsAsync(() => Task.Run(() => Assert.Equal(0, outcomes.ConsumerLag)));
    }
}
