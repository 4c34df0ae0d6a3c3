using System.Text.Json.Nodes;
using Confluent.Kafka;
using StreamAttention.Ingest.EmbeddedKafka;
using StreamAttention.Ingest.Publishing;

namespace StreamAttention.Ingest.Tests;

/// <summary>What the pipeline left in Kafka: its committed progress and the whole content of its output topics.</summary>
public static class OutputReader
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Waits until the group committed every input message: then every message's outcome was acknowledged (a message
    /// is committed only after its matches or dead letter were). A timeout shows each partition's committed offset and
    /// end, and <paramref name="log"/> when given.
    /// </summary>
    public static async Task WaitForAllCommittedAsync(EmbeddedKafkaCluster kafka, string groupId, IngestLog? log = null)
    {
        // Reads the group's offsets without joining it.
        using var consumer = new ConsumerBuilder<byte[], byte[]>(KafkaClients.Consumer(kafka, groupId)).Build();
        var partitions = Enumerable.Range(0, Traffic.Partitions).Select(p => new TopicPartition(Traffic.InputTopic, p)).ToArray();
        var deadline = DateTime.UtcNow + Deadline;
        var lag = long.MaxValue;
        var progress = "not read";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var committed = consumer.Committed(partitions, Timeout);
                var ends = committed.Select(c => consumer.QueryWatermarkOffsets(c.TopicPartition, Timeout).High.Value).ToArray();
                lag = committed.Select((c, i) => ends[i] - Math.Max(0, c.Offset.Value)).Sum();
                if (lag == 0)
                {
                    return;
                }
                progress = string.Join(", ", committed.Select((c, i) => $"[{c.Partition.Value}] {c.Offset} of {ends[i]}"));
            }
            catch (KafkaException)
            {
                // The coordinator may be coming back (brokers down tests); ask again.
            }
            await Task.Delay(200);
        }
        Assert.Fail($"The ingest group still had {lag} uncommitted messages after {Deadline} (committed of end, by partition: {progress}).\n{log?.Tail()}");
    }

    /// <summary>Every record of <paramref name="topic"/>: each partition from its start to its own high watermark when called.</summary>
    public static List<ConsumeResult<byte[], byte[]>> ReadAll(EmbeddedKafkaCluster kafka, string topic) => ReadTo(kafka, HighWatermarks(kafka, topic));

    /// <summary>Each partition's high watermark (the offset after its last record).</summary>
    public static Dictionary<TopicPartition, long> HighWatermarks(EmbeddedKafkaCluster kafka, string topic)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(KafkaClients.Consumer(kafka, "watermarks-" + Guid.NewGuid())).Build();
        return Enumerable.Range(0, Traffic.Partitions).Select(p => new TopicPartition(topic, p)).ToDictionary(p => p, p =>
        {
            var marks = consumer.QueryWatermarkOffsets(p, Timeout);
            // The mock keeps only ~5 MiB per partition: the tests stay far below, and this would show otherwise.
            Assert.Equal(0, marks.Low.Value);
            return marks.High.Value;
        });
    }

    /// <summary>
    /// The records of each partition in <paramref name="ends"/> from its start up to its end offset there, and none
    /// past it: a partition is done at its own end, whatever was written since or to the others (reading until the
    /// ends' sum was reached took records written since to one partition for those of another not read yet).
    /// </summary>
    public static List<ConsumeResult<byte[], byte[]>> ReadTo(EmbeddedKafkaCluster kafka, IReadOnlyDictionary<TopicPartition, long> ends)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(KafkaClients.Consumer(kafka, "reader-" + Guid.NewGuid())).Build();
        var unfinished = ends.Where(end => end.Value > 0).ToDictionary();
        consumer.Assign(unfinished.Keys.Select(p => new TopicPartitionOffset(p, Offset.Beginning)));
        var results = new List<ConsumeResult<byte[], byte[]>>();
        var deadline = DateTime.UtcNow + KafkaClients.Deadline;
        while (unfinished.Count > 0 && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is not { } result || !unfinished.TryGetValue(result.TopicPartition, out var end))
            {
                continue;
            }
            if (result.Offset.Value < end)
            {
                results.Add(result);
            }
            if (result.Offset.Value >= end - 1)
            {
                unfinished.Remove(result.TopicPartition);
            }
        }
        Assert.True(unfinished.Count == 0, $"Partitions not read to their end within {KafkaClients.Deadline}: {string.Join(", ", unfinished.Select(p => $"{p.Key} (end {p.Value})"))}");
        return results;
    }

    public static List<JsonObject> ReadMatches(EmbeddedKafkaCluster kafka)
        => ReadAll(kafka, Traffic.OutputTopic).Select(r => JsonNode.Parse(r.Message.Value)!.AsObject()).ToList();

    /// <summary>Waits until the output topic holds <paramref name="records"/> records (bounded), so a fault lands mid-stream.</summary>
    public static async Task WaitForSomeOutputAsync(EmbeddedKafkaCluster kafka, int records = 1)
        => Assert.True(await TryWaitForSomeOutputAsync(kafka, records), $"The pipeline published fewer than {records} records.");

    /// <summary>Whether the output topic holds <paramref name="records"/> records before a deadline.</summary>
    public static async Task<bool> TryWaitForSomeOutputAsync(EmbeddedKafkaCluster kafka, int records = 1)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(KafkaClients.Consumer(kafka, "probe-" + Guid.NewGuid())).Build();
        var deadline = DateTime.UtcNow + Deadline;
        while (DateTime.UtcNow < deadline)
        {
            if (Enumerable.Range(0, Traffic.Partitions).Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(Traffic.OutputTopic, p), Timeout).High.Value) >= records)
            {
                return true;
            }
            await Task.Delay(100);
        }
        return false;
    }

    /// <summary>
    /// Asserts the at-least-once contract over messages [0, count): every expected match was published, nothing else
    /// was, and duplicates stay within <paramref name="maxDuplicates"/>. Returns the number of duplicates.
    /// </summary>
    public static int AssertMatches(List<JsonObject> matches, int count, int maxDuplicates)
    {
        var published = matches.Select(m => ((string)m["messageId"]!, (string)m["userId"]!)).ToList();
        Assert.Equal(Traffic.ExpectedMatches(count).Order(), published.Distinct().Order());
        var duplicates = published.Count - published.Distinct().Count();
        Assert.InRange(duplicates, 0, maxDuplicates);
        return duplicates;
    }

    /// <summary>
    /// <see cref="AssertMatches(List{JsonObject}, int, int)"/> over the output topic. A match missing fails with what
    /// became of its message, so a loss seen once under load says whether the pipeline dead-lettered the message (each
    /// dead letter's reason, detail and user) or dropped it, with <paramref name="log"/>'s last lines.
    /// </summary>
    public static int AssertMatches(EmbeddedKafkaCluster kafka, int count, int maxDuplicates, IngestLog log)
    {
        var matches = ReadMatches(kafka);
        var published = matches.Select(m => ((string)m["messageId"]!, (string)m["userId"]!)).ToHashSet();
        var missing = Traffic.ExpectedMatches(count).Where(match => !published.Contains(match)).Order().ToList();
        if (missing.Count > 0)
        {
            var deadLetters = ReadAll(kafka, Traffic.DeadLetterTopic);
            Assert.Fail($"{missing.Count} of {count} messages' matches were not published: "
                + string.Join("; ", missing.Select(match => $"{match.MessageId} for {match.UserId}: {DeadLettersOf(match.MessageId, deadLetters)}"))
                + $"\n{log.Tail()}");
        }
        return AssertMatches(matches, count, maxDuplicates);
    }

    /// <summary>The dead letters of <see cref="Traffic"/>'s message <paramref name="messageId"/> (its JSON value kept whole), or that it has none.</summary>
    private static string DeadLettersOf(string messageId, List<ConsumeResult<byte[], byte[]>> deadLetters)
    {
        var letters = deadLetters
            .Where(letter => letter.Message.Value is { } value && System.Text.Encoding.UTF8.GetString(value).Contains($"\"id\":\"{messageId}\"", StringComparison.Ordinal))
            .Select(letter => $"dead letter '{Header(letter, DeadLetterHeaders.Error)}' ({Header(letter, DeadLetterHeaders.ErrorDetail)})"
                + (letter.Message.Headers.TryGetLastBytes(DeadLetterHeaders.User, out var user) ? $" for user {System.Text.Encoding.UTF8.GetString(user)}" : ""))
            .ToList();
        return letters.Count == 0 ? "no dead letter (dropped)" : string.Join(", ", letters);
    }

    public static string Header(ConsumeResult<byte[], byte[]> result, string name)
        => result.Message.Headers.TryGetLastBytes(name, out var value) ? System.Text.Encoding.UTF8.GetString(value) : throw new KeyNotFoundException(name);
}
