using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Ingest.EmbeddedKafka;

namespace StreamAttention.Ingest.Tests;

/// <summary>
/// Known interests and a message stream whose matches are known: message i is about databases (matches
/// <see cref="DatabaseUser"/>), racing (matches <see cref="RacingUser"/>) or neither, by i mod 3.
/// </summary>
public static class Traffic
{
    public const string DatabaseUser = "ingest-db";
    public const string RacingUser = "ingest-racing";
    public const string InterestId = "topic";
    public const string InputTopic = "streamattention.messages";
    public const string OutputTopic = "streamattention.matches";
    public const string DeadLetterTopic = "streamattention.dead-letters";
    public const string NotificationTopic = "streamattention.notifications";
    public const string DigestTopic = "streamattention.digests";
    public const int Partitions = 4;

    public static async Task PutInterestsAsync(IGrainFactory grains)
    {
        await grains.GetGrain<IUserGrain>(DatabaseUser).PutInterests([new InterestInput(InterestId, Texts.DatabaseInterest)]);
        await grains.GetGrain<IUserGrain>(RacingUser).PutInterests([new InterestInput(InterestId, Texts.RacingInterest, Texts.RacingThreshold)]);
    }

    /// <summary>The same interests through a silo's HTTP API.</summary>
    public static async Task PutInterestsAsync(HttpClient silo)
    {
        (await silo.PutAsJsonAsync($"/users/{DatabaseUser}/interests/{InterestId}", new { text = Texts.DatabaseInterest })).EnsureSuccessStatusCode();
        (await silo.PutAsJsonAsync($"/users/{RacingUser}/interests/{InterestId}", new { text = Texts.RacingInterest, threshold = Texts.RacingThreshold })).EnsureSuccessStatusCode();
    }

    /// <summary>An embedded cluster with the pipeline's topics.</summary>
    /// <param name="inputPartitions">The input topic's; <see cref="Partitions"/> unless given (every other topic has those).</param>
    public static EmbeddedKafkaCluster StartKafka(int brokers = 1, int inputPartitions = Partitions)
    {
        var kafka = EmbeddedKafkaCluster.Start(brokers);
        kafka.CreateTopic(InputTopic, inputPartitions);
        kafka.CreateTopic(OutputTopic, Partitions);
        kafka.CreateTopic(DeadLetterTopic, Partitions);
        kafka.CreateTopic(NotificationTopic, Partitions);
        kafka.CreateTopic(DigestTopic, Partitions);
        return kafka;
    }

    public static string Id(int i) => $"m-{i}";

    public static string TextOf(int i) => (i % 3) switch
    {
        0 => Texts.DatabaseMessage,
        1 => Texts.RacingMessage,
        _ => Texts.Unrelated,
    };

    public static string Json(int i) => JsonSerializer.Serialize(new { id = Id(i), text = TextOf(i) });

    /// <summary>Messages [0, count): (message id, user id) of every match the pipeline must publish.</summary>
    public static HashSet<(string MessageId, string UserId)> ExpectedMatches(int count)
        => Enumerable.Range(0, count).Where(i => i % 3 != 2).Select(i => (Id(i), i % 3 == 0 ? DatabaseUser : RacingUser)).ToHashSet();

    /// <summary>Produces messages [start, start + count), keyed over many keys so every partition gets some.</summary>
    /// <param name="value">Message i's value; <see cref="Json"/> unless given.</param>
    /// <param name="partition">Message i's partition; its key's unless given.</param>
    public static async Task ProduceAsync(EmbeddedKafkaCluster kafka, int start, int count, Func<int, string>? value = null, Func<int, int>? partition = null)
    {
        using var producer = new ProducerBuilder<string, string>(KafkaClients.Producer(kafka)).Build();
        await Task.WhenAll(Enumerable.Range(start, count).Select(i =>
            producer.ProduceAsync(new TopicPartition(InputTopic, partition is null ? Partition.Any : partition(i)),
                new Message<string, string> { Key = $"key-{i % 16}", Value = (value ?? Json)(i) }))).WaitAsync(KafkaClients.Deadline);
    }
}
