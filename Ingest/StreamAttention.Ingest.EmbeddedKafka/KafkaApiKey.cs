namespace StreamAttention.Ingest.EmbeddedKafka;

/// <summary>Kafka protocol request types (the ApiKey of a request header) that clients of this project send.</summary>
public enum KafkaApiKey : short
{
    Produce = 0,
    Fetch = 1,
    ListOffsets = 2,
    Metadata = 3,
    OffsetCommit = 8,
    OffsetFetch = 9,
    FindCoordinator = 10,
    JoinGroup = 11,
    Heartbeat = 12,
    LeaveGroup = 13,
    SyncGroup = 14,
    ApiVersions = 18,
    InitProducerId = 22,
    ConsumerGroupHeartbeat = 68,
}
