namespace StreamAttention.Ingest.Options;

/// <summary>How matches are laid out on the output topic (section "Ingest:Output").</summary>
public sealed class IngestOutputOptions
{
    /// <summary>librdkafka's <c>message.max.bytes</c> unless <c>Ingest:Producer</c> sets it.</summary>
    public const int DefaultProducerMessageMaxBytes = 1_000_000;

    /// <summary>Room a record needs besides its value (the user key, the trace headers, Kafka's record framing).</summary>
    public const int RecordOverheadBytes = 16 * 1024;

    /// <summary>One record per match (the default contract), or one per user and consumed batch.</summary>
    public MatchRecordLayout MatchRecords { get; set; } = MatchRecordLayout.PerMatch;

    /// <summary>
    /// <see cref="MatchRecordLayout.PerUserBatch"/>: the most bytes a record's value may have; a user's matches of a batch
    /// that would pass it are split into several records. A single match larger than this still goes in a record of its own.
    /// Validated with that layout only: 1024 up to the producer's <c>message.max.bytes</c> less <see cref="RecordOverheadBytes"/>.
    /// </summary>
    public int MaxRecordBytes { get; set; } = 512 * 1024;
}

public enum MatchRecordLayout
{
    /// <summary>Each match its own record (<c>PublishedMatch</c>).</summary>
    PerMatch,

    /// <summary>
    /// One record per user and consumed batch (<c>PublishedUserMatches</c>), listing the user's matches by message in
    /// read order: fewer, larger records for high-volume deployments.
    /// </summary>
    PerUserBatch,
}
