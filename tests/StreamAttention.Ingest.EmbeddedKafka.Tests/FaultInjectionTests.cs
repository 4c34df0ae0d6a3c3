using Confluent.Kafka;
// Orleans, which the streamattention executable brings in, has an ErrorCode too.
using ErrorCode = Confluent.Kafka.ErrorCode;

namespace StreamAttention.Ingest.EmbeddedKafka.Tests;

public sealed class FaultInjectionTests
{
    [Fact]
    public async Task IdempotentProducerKeepsEveryMessageWhileAllBrokersAreDown()
    {
        await using var cluster = EmbeddedKafkaCluster.Start(brokerCount: 3);
        const string topic = "outage";
        cluster.CreateTopic(topic, 4);
        var config = KafkaClients.Producer(cluster);
        config.ReconnectBackoffMaxMs = 500;
        using var producer = new ProducerBuilder<string, string>(config).Build();

        await KafkaClients.ProduceNumbered(producer, topic, 200);
        cluster.SetBrokerDown(EmbeddedKafkaCluster.AllBrokers);
        var duringOutage = KafkaClients.ProduceNumbered(producer, topic, 300, start: 200);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.False(duringOutage.IsCompleted, "nothing can be acknowledged while every broker is down");
        cluster.SetBrokerUp(EmbeddedKafkaCluster.AllBrokers);
        await duringOutage;
        await KafkaClients.ProduceNumbered(producer, topic, 200, start: 500);

        AssertExactlyNumbered(KafkaClients.ReadFromStart(cluster, topic, 4, 700), 700);
    }

    [Fact]
    public async Task InjectedProduceErrorsAreRetriedWithoutLossOrDuplicates()
    {
        await using var cluster = EmbeddedKafkaCluster.Start(brokerCount: 3);
        const string topic = "flaky";
        cluster.CreateTopic(topic, 4);
        using var producer = new ProducerBuilder<string, string>(KafkaClients.Producer(cluster)).Build();
        await KafkaClients.ProduceNumbered(producer, topic, 10);

        // Error responses only: the mock writes nothing for a request it fails, so a retry cannot duplicate. (A dropped
        // connection can: see the next test.)
        cluster.PushRequestErrors(KafkaApiKey.Produce,
            ErrorCode.NotLeaderForPartition, ErrorCode.RequestTimedOut, ErrorCode.NotEnoughReplicas,
            ErrorCode.NotLeaderForPartition, ErrorCode.RequestTimedOut, ErrorCode.NotEnoughReplicas);
        await KafkaClients.ProduceNumbered(producer, topic, 490, start: 10);

        AssertExactlyNumbered(KafkaClients.ReadFromStart(cluster, topic, 4, 500), 500);
        // The queue was used up by those requests: a producer that never retries now succeeds.
        using var noRetries = NonRetryingProducer(cluster);
        Assert.Equal(PersistenceStatus.Persisted, (await noRetries.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "v" })).Status);
    }

    [Fact]
    public async Task ConnectionsDroppedDuringProduceLoseNothing()
    {
        await using var cluster = EmbeddedKafkaCluster.Start(brokerCount: 3);
        const string topic = "dropped";
        cluster.CreateTopic(topic, 4);
        using var producer = new ProducerBuilder<string, string>(KafkaClients.Producer(cluster)).Build();
        await KafkaClients.ProduceNumbered(producer, topic, 10);

        cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.Local_Transport, ErrorCode.NotLeaderForPartition, ErrorCode.Local_Transport);
        await KafkaClients.ProduceNumbered(producer, topic, 490, start: 10);

        // Requests in flight on a dropped connection may have been written; librdkafka's idempotent producer (not
        // transactional) retries them, and after an epoch bump a written one can be written again
        // (confluentinc/librdkafka#4953). Nothing is lost; downstream is at least once.
        using var reader = new ConsumerBuilder<string, string>(KafkaClients.Consumer(cluster, "watermarks")).Build();
        var stored = Enumerable.Range(0, 4).Sum(p => (int)reader.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value);
        var received = KafkaClients.ReadFromStart(cluster, topic, 4, stored);
        Assert.Equal(stored, received.Count);
        Assert.Equal(Enumerable.Range(0, 500), received.Select(r => int.Parse(r.Message.Value)).Distinct().Order());
    }

    [Fact]
    public async Task PushedErrorsReachTheClientInOrderAndClearingDropsTheRest()
    {
        await using var cluster = EmbeddedKafkaCluster.Start();
        cluster.CreateTopic("rejected", 1);
        using var producer = NonRetryingProducer(cluster);
        var message = new Message<string, string> { Key = "k", Value = "v" };
        await producer.ProduceAsync("rejected", message);

        // Errors that fail a request without changing the client's view of the topic (an authorization error would).
        cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.InvalidRecord, ErrorCode.PolicyViolation);
        Assert.Equal(ErrorCode.InvalidRecord, (await Assert.ThrowsAsync<ProduceException<string, string>>(() => producer.ProduceAsync("rejected", message))).Error.Code);
        Assert.Equal(ErrorCode.PolicyViolation, (await Assert.ThrowsAsync<ProduceException<string, string>>(() => producer.ProduceAsync("rejected", message))).Error.Code);

        cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.InvalidRecord, ErrorCode.InvalidRecord);
        cluster.ClearRequestErrors(KafkaApiKey.Produce);
        Assert.Equal(PersistenceStatus.Persisted, (await producer.ProduceAsync("rejected", message)).Status);
    }

    [Fact]
    public async Task MessagesStillFlowWithABrokerRoundTripDelay()
    {
        await using var cluster = EmbeddedKafkaCluster.Start(brokerCount: 2);
        cluster.CreateTopic("slow", 2);
        cluster.SetBrokerRtt(EmbeddedKafkaCluster.AllBrokers, TimeSpan.FromMilliseconds(100));
        using var producer = new ProducerBuilder<string, string>(KafkaClients.Producer(cluster)).Build();

        await KafkaClients.ProduceNumbered(producer, "slow", 50);
        cluster.SetBrokerRtt(1, TimeSpan.Zero);

        AssertExactlyNumbered(KafkaClients.ReadFromStart(cluster, "slow", 2, 50), 50);
    }

    [Fact]
    public void UnknownBrokersAreReported()
    {
        using var cluster = EmbeddedKafkaCluster.Start(brokerCount: 2);
        Assert.Throws<KafkaException>(() => cluster.SetBrokerDown(3));
        Assert.Throws<KafkaException>(() => cluster.SetBrokerRtt(7, TimeSpan.FromMilliseconds(10)));
        cluster.SetBrokerDown(2);
        cluster.SetBrokerUp(2);
    }

    private static IProducer<string, string> NonRetryingProducer(EmbeddedKafkaCluster cluster)
    {
        var config = KafkaClients.Producer(cluster, idempotent: false);
        config.MessageSendMaxRetries = 0;
        return new ProducerBuilder<string, string>(config).Build();
    }

    private static void AssertExactlyNumbered(List<ConsumeResult<string, string>> received, int count) =>
        Assert.Equal(Enumerable.Range(0, count), received.Select(r => int.Parse(r.Message.Value)).Order());
}
