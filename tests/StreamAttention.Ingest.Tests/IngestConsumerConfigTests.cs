using Confluent.Kafka;
using StreamAttention.Ingest.Options;
using StreamAttention.Ingest.Pipeline;

namespace StreamAttention.Ingest.Tests;

public sealed class IngestConsumerConfigTests
{
    [Fact]
    public void A_classic_group_gets_a_short_session_so_a_crashed_members_partitions_move_within_seconds()
    {
        var config = IngestConsumerConfig.Of(new KafkaIngestOptions { BootstrapServers = "127.0.0.1:9092", GroupId = "g", InstanceId = "ingest-0" });

        Assert.Equal((6000, 2000), (config.SessionTimeoutMs, config.HeartbeatIntervalMs));
        Assert.Equal(("g", "ingest-0", 10), (config.GroupId, config.GroupInstanceId, config.FetchWaitMaxMs));
        Assert.Equal((false, false), (config.EnableAutoCommit, config.EnableAutoOffsetStore));
        Assert.Equal(IsolationLevel.ReadCommitted, config.IsolationLevel);
    }

    [Fact]
    public void The_consumer_fetches_ahead_what_the_loop_takes_at_once_in_small_fetches_a_partition()
    {
        var config = IngestConsumerConfig.Of(new KafkaIngestOptions { MaxBatchSize = 100, MaxInFlightBatches = 3 });

        Assert.Equal((300, 64 * 1024, 10), (config.QueuedMinMessages, config.MaxPartitionFetchBytes, config.FetchQueueBackoffMs));
    }

    [Fact]
    public void A_next_generation_group_takes_its_session_from_the_broker()
    {
        var config = IngestConsumerConfig.Of(new KafkaIngestOptions { Consumer = { ["group.protocol"] = "consumer" } });

        Assert.Null(config.SessionTimeoutMs);
        Assert.Null(config.HeartbeatIntervalMs);
        Assert.Equal(GroupProtocol.Consumer, config.GroupProtocol);
    }

    [Fact]
    public void Configured_settings_go_over_the_pipelines_own_but_never_over_its_commits()
    {
        var config = IngestConsumerConfig.Of(new KafkaIngestOptions
        {
            Consumer = { ["session.timeout.ms"] = "30000", ["fetch.wait.max.ms"] = "50", ["queued.min.messages"] = "100000", ["enable.auto.commit"] = "true" },
        });

        Assert.Equal((30000, 50, 100000), (config.SessionTimeoutMs, config.FetchWaitMaxMs, config.QueuedMinMessages));
        Assert.False(config.EnableAutoCommit);
    }
}
