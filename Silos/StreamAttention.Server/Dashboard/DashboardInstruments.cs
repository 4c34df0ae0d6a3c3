using StreamAttention.Grains.Shards;

namespace StreamAttention.Server.Dashboard;

/// <summary>
/// The instruments (meters "StreamAttention" or "StreamAttention.*") the dashboard's statistics read. The ingest's
/// are the names it is expected to publish; until it does they read zero and the page says "no ingest".
/// </summary>
public static class DashboardInstruments
{
    public const string MessagesIn = GatewayMetrics.MessagesName;
    public const string MatchesOut = GatewayMetrics.MatchesName;
    public const string ScoringLatency = GatewayMetrics.DurationName;
    public const string BatchSize = "streamattention.scoring.batch_size";

    /// <summary>Counter: messages consumed from Kafka.</summary>
    public const string IngestMessages = "streamattention.ingest.messages";

    /// <summary>Histogram (ms): from a message's Kafka timestamp until its matches are published.</summary>
    public const string IngestLatency = "streamattention.ingest.latency";

    /// <summary>Gauge or up-down counter: messages behind the log end, summed over partitions.</summary>
    public const string ConsumerLag = "streamattention.ingest.consumer_lag";

    /// <summary>Counter: messages sent to the dead-letter topic.</summary>
    public const string DeadLetters = "streamattention.ingest.dead_letters";
}
