using Confluent.Kafka;
using StreamAttention.Ingest.Options;

namespace StreamAttention.Ingest.Pipeline;

/// <summary>The pipeline's consumer settings: its own, then <see cref="KafkaIngestOptions.Consumer"/> over them, then those the commits depend on.</summary>
public static class IngestConsumerConfig
{
    /// <summary>A crashed member holds its partitions until its session expires: a real broker's minimum keeps that short.</summary>
    public const int ClassicSessionTimeoutMs = 6000;
    public const int ClassicHeartbeatIntervalMs = 2000;

    /// <summary>
    /// A fetch that finds nothing new waits at most this long before asking again: librdkafka's 500 ms default put a
    /// quarter of a second of end-to-end latency on every quiet stream (p50 243 ms → 19 ms in local mode).
    /// </summary>
    public const int FetchWaitMaxMs = 10;

    /// <summary>
    /// What one fetch takes of a partition: with librdkafka's 1 MiB, a tenant's backlog on its own topic came into the
    /// one queue the loop reads in order ahead of every other partition's next messages (another tenant's message
    /// produced during a burst of 6,000 was published after all of them). At 64 KiB, another partition's message waits
    /// behind at most one fetch of each busy partition plus <see cref="QueuedMinMessages"/>.
    /// </summary>
    public const int MaxPartitionFetchBytes = 64 * 1024;

    /// <summary>
    /// How many messages the consumer keeps fetched ahead of the loop, over every partition (librdkafka counts its one
    /// consumer queue): what the loop takes at once, all its batches in flight. librdkafka's 100,000 (or 64 MiB)
    /// fetched a burst whole, ahead of whatever any other partition received after it.
    /// </summary>
    public static int QueuedMinMessages(KafkaIngestOptions options) => options.MaxBatchSize * options.MaxInFlightBatches;

    /// <summary>
    /// How long the consumer waits before it fetches again once the loop has taken its queue below
    /// <see cref="QueuedMinMessages"/>: librdkafka's 1 s would stall a busy stream at every refill of so short a queue.
    /// </summary>
    public const int FetchQueueBackoffMs = FetchWaitMaxMs;

    public const string IsolationLevelSetting = "isolation.level";

    /// <summary>
    /// Only committed transactions' records are read, so an aborted one is never scored (librdkafka's default, set here so
    /// no default of another version changes it; <see cref="KafkaIngestOptions"/> refuses another).
    /// </summary>
    public const string ReadCommitted = "read_committed";

    public const string AutoOffsetResetSetting = "auto.offset.reset";

    /// <summary>
    /// librdkafka's names for <c>earliest</c>: where a partition with no committed offset is read from. Any other value
    /// (<c>latest</c>, <c>end</c>, <c>error</c>) skips, or stops at, the records written before the group first reads a
    /// partition: every record of a partition added to an input topic (<c>kafka-topics --alter --partitions</c>) up to the
    /// rebalance that assigns it, minutes later. <see cref="KafkaIngestOptions"/> refuses them.
    /// </summary>
    public static readonly string[] EarliestOffsetResets = ["earliest", "smallest", "beginning"];

    public static ConsumerConfig Of(KafkaIngestOptions options)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = options.BootstrapServers,
            GroupId = options.GroupId,
            GroupInstanceId = options.InstanceId,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            FetchWaitMaxMs = FetchWaitMaxMs,
            MaxPartitionFetchBytes = MaxPartitionFetchBytes,
            QueuedMinMessages = QueuedMinMessages(options),
            FetchQueueBackoffMs = FetchQueueBackoffMs,
            IsolationLevel = IsolationLevel.ReadCommitted,
        };
        if (!options.Consumer.TryGetValue("group.protocol", out var protocol) || !protocol.Equals("consumer", StringComparison.OrdinalIgnoreCase))
        {
            // KIP-848 groups take the session from the broker and refuse these settings.
            config.SessionTimeoutMs = ClassicSessionTimeoutMs;
            config.HeartbeatIntervalMs = ClassicHeartbeatIntervalMs;
        }
        foreach (var (key, value) in options.Consumer)
        {
            config.Set(key, value);
        }
        // Set last: offsets are committed only by the pipeline, after the outputs were acknowledged.
        config.EnableAutoCommit = false;
        config.EnableAutoOffsetStore = false;
        return config;
    }
}
