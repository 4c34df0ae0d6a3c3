using System.Text;
using Confluent.Kafka;
using StreamAttention.Ingest.Decoding;
using StreamAttention.Ingest.Diagnostics;
using StreamAttention.Ingest.Publishing;

namespace StreamAttention.Ingest.Tests;

/// <summary>
/// What producers other than this project's send into the input topic: transactions, compressed batches, keys and
/// headers of every kind. Aborted transactions are not tried here: the embedded mock hands them to a read_committed
/// consumer (Ingest.EmbeddedKafka's README).
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

    /// <summary>Record batches of every codec librdkafka writes, mixed in one partition, each record scored once.</summary>
    [Fact]
    public async Task Compressed_batches_of_every_codec_mixed_in_one_partition_are_each_scored_once()
    {
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "compressed");
        using var outcomes = new OutcomeCounter(ingest);
        CompressionType[] codecs = [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];
        const int count = 48;

        await Task.WhenAll(codecs.Select(async (codec, c) =>
        {
            var config = KafkaClients.Producer(kafka);
            (config.CompressionType, config.LingerMs) = (codec, 50);
            using var producer = new ProducerBuilder<string, string>(config).Build();
            // Produced together, each producer's records go out in batches of several.
            await Task.WhenAll(Enumerable.Range(0, count).Where(i => i % codecs.Length == c).Select(i =>
                producer.ProduceAsync(new TopicPartition(Traffic.InputTopic, 0), new Message<string, string> { Value = Traffic.Json(i) }))).WaitAsync(KafkaClients.Deadline);
        }));
        await OutputReader.WaitForAllCommittedAsync(kafka, "compressed", ingest.Log());

        Assert.Equal(0, OutputReader.AssertMatches(OutputReader.ReadMatches(kafka), count, maxDuplicates: 0));
        Assert.Equal((count, 0, 0), (outcomes.Total, outcomes[IngestInstruments.DeadLettered], outcomes.Restarts));
    }

    /// <summary>
    /// Keys and headers are the producer's own: a binary key, none, hundreds of headers, the same header many times and
    /// one of 100 KB change nothing of the scoring, and a bad message's dead letter keeps its binary key byte for byte.
    /// </summary>
    [Fact]
    public async Task Keys_and_headers_of_any_kind_leave_messages_scored_and_a_dead_letter_keeps_a_binary_key()
    {
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "keys-and-headers", options => options.MaxMessageBytes = 1024);
        using var outcomes = new OutcomeCounter(ingest);
        byte[] binaryKey = [0x00, 0xFF, 0xC3, 0x28, 0x80];
        var manyHeaders = new Headers();
        for (var i = 0; i < 300; i++)
        {
            manyHeaders.Add($"h-{i % 30}", BitConverter.GetBytes(i));
        }
        var largeHeader = new Headers { { "large", new byte[100_000] }, { "empty", [] }, { "null", null } };
        (byte[]? Key, Headers Headers, byte[] Value)[] messages =
        [
            (binaryKey, [], Encoding.UTF8.GetBytes(Traffic.Json(0))),
            (null, manyHeaders, Encoding.UTF8.GetBytes(Traffic.Json(1))),
            ([], largeHeader, Encoding.UTF8.GetBytes(Traffic.Json(2))),
            (binaryKey, [], Encoding.UTF8.GetBytes("{\"id\": \"bad\"")),
        ];

        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClients.Producer(kafka)).Build())
        {
            foreach (var (key, headers, value) in messages)
            {
                await producer.ProduceAsync(new TopicPartition(Traffic.InputTopic, 0), new Message<byte[]?, byte[]?> { Key = key, Headers = headers, Value = value }).WaitAsync(KafkaClients.Deadline);
            }
        }
        await OutputReader.WaitForAllCommittedAsync(kafka, "keys-and-headers", ingest.Log());

        Assert.Equal(0, OutputReader.AssertMatches(OutputReader.ReadMatches(kafka), 3, maxDuplicates: 0));
        var letter = Assert.Single(OutputReader.ReadAll(kafka, Traffic.DeadLetterTopic));
        Assert.Equal((DeadLetterReasons.MalformedJson, "3"), (OutputReader.Header(letter, DeadLetterHeaders.Error), OutputReader.Header(letter, DeadLetterHeaders.SourceOffset)));
        Assert.Equal(binaryKey, letter.Message.Key);
        Assert.Equal((4, 0), (outcomes.Total, outcomes.Restarts));
    }

    /// <summary>
    /// A value of 2 MB, 32 times what a fetch takes of a partition and twice the ingest producer's record limit: read,
    /// dead-lettered cut to fit, and the partition read on past it.
    /// </summary>
    [Fact]
    public async Task A_value_far_larger_than_a_fetch_and_than_the_producers_limit_is_dead_lettered_cut_and_the_partition_goes_on()
    {
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "huge-value");
        using var outcomes = new OutcomeCounter(ingest);
        var huge = Encoding.UTF8.GetBytes(Traffic.Json(0)[..^1] + ", \"padding\": \"" + new string('x', 2_000_000) + "\"}");
        var config = KafkaClients.Producer(kafka);
        config.MessageMaxBytes = 4_000_000;
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(config).Build())
        {
            foreach (var value in new[] { huge, Encoding.UTF8.GetBytes(Traffic.Json(1)) })
            {
                await producer.ProduceAsync(new TopicPartition(Traffic.InputTopic, 0), new Message<byte[]?, byte[]?> { Value = value }).WaitAsync(KafkaClients.Deadline);
            }
        }
        await OutputReader.WaitForAllCommittedAsync(kafka, "huge-value", ingest.Log());

        Assert.Equal([Traffic.Id(1)], OutputReader.ReadMatches(kafka).Select(m => (string)m["messageId"]!));
        var letter = Assert.Single(OutputReader.ReadAll(kafka, Traffic.DeadLetterTopic));
        Assert.Equal((DeadLetterReasons.Oversize, huge.Length.ToString()), (OutputReader.Header(letter, DeadLetterHeaders.Error), OutputReader.Header(letter, DeadLetterHeaders.ValueTruncatedFrom)));
        Assert.Equal(huge[..letter.Message.Value.Length], letter.Message.Value);
        Assert.Equal((2, 0), (outcomes.Total, outcomes.Restarts));
    }
}
