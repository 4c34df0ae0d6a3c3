using System.Text;
using Confluent.Kafka;

namespace StreamAttention.Ingest.Tests;

/// <summary>The test helper that reads what the pipeline left in a topic: each partition to its own end.</summary>
public sealed class OutputReaderTests
{
    [Fact]
    public async Task Each_partition_is_read_to_its_own_high_watermark_when_records_are_uneven_and_more_arrive_since()
    {
        await using var kafka = Traffic.StartKafka();
        const string topic = Traffic.DigestTopic;
        // 5, 1, 0 and 3 records in partitions 0 to 3.
        int[] before = [5, 1, 0, 3];
        using var producer = new ProducerBuilder<string, string>(KafkaClients.Producer(kafka)).Build();
        await ProduceAsync(producer, topic, before, "before");
        var ends = OutputReader.HighWatermarks(kafka, topic);
        // Written after the ends were read (an output the pipeline publishes while a test reads): none of it is read.
        await ProduceAsync(producer, topic, [4, 4, 4, 4], "after");

        var read = OutputReader.ReadTo(kafka, ends);

        var expected = before.SelectMany((count, partition) => Enumerable.Range(0, count).Select(i => $"before-{partition}-{i}"));
        Assert.Equal(expected.Order(), read.Select(r => Encoding.UTF8.GetString(r.Message.Value)).Order());
    }

    private static async Task ProduceAsync(IProducer<string, string> producer, string topic, int[] countByPartition, string prefix)
    {
        for (var partition = 0; partition < countByPartition.Length; partition++)
        {
            for (var i = 0; i < countByPartition[partition]; i++)
            {
                await producer.ProduceAsync(new TopicPartition(topic, partition), new Message<string, string> { Key = "k", Value = $"{prefix}-{partition}-{i}" });
            }
        }
    }
}
