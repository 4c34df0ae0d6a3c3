namespace StreamAttention.Contracts.Diagnostics;

/// <summary>
/// Every meter, activity source and instrument name StreamAttention reports under, written once. The <c>*Instruments</c>
/// classes create the instruments, the dashboard and the tests read them by these names, and Prometheus exports each
/// with dots as underscores, the unit (<c>ms</c> as <c>_milliseconds</c>) and <c>_total</c> for counters appended.
/// </summary>
public static class InstrumentNames
{
    /// <summary>The one meter every component reports on.</summary>
    public const string Meter = "StreamAttention";

    public const string GatewayActivitySource = "StreamAttention.Gateway";
    public const string IngestActivitySource = "StreamAttention.Ingest";

    /// <summary>Every activity source, for a tracer to listen to.</summary>
    public static readonly IReadOnlyList<string> ActivitySources = [GatewayActivitySource, IngestActivitySource];

    // The scoring core (ScoringInstruments).
    public const string ScoringPairs = "streamattention.scoring.pairs";
    public const string ScoringCandidatePairs = "streamattention.scoring.candidate_pairs";
    public const string ScoringMatches = "streamattention.scoring.matches";
    public const string ScoringRescoredPairs = "streamattention.scoring.rescored_pairs";
    public const string ScoringRescoredMessages = "streamattention.scoring.rescored_messages";
    public const string ScoringOverBudgetMessages = "streamattention.scoring.over_budget_messages";
    public const string ScoringFastOnlyMessages = "streamattention.scoring.fast_only_messages";
    public const string ScoringOverCapPairs = "streamattention.scoring.over_cap_pairs";
    public const string ScoringRunDuration = "streamattention.scoring.run.duration";

    // The silo's dynamic batcher (BatchingInstruments).
    public const string BatchSize = "streamattention.scoring.batch_size";
    public const string BatchInterests = "streamattention.scoring.batch_interests";
    public const string BatchQueueDelay = "streamattention.scoring.queue_delay";
    public const string BatchShardRequests = "streamattention.scoring.shard_requests";
    public const string BatchDropped = "streamattention.scoring.dropped";

    // The scoring gateway (GatewayInstruments).
    public const string GatewayMessages = "streamattention.gateway.messages";
    public const string GatewayMatches = "streamattention.gateway.matches";
    public const string GatewayDuration = "streamattention.gateway.duration";
    public const string GatewayRequestTexts = "streamattention.gateway.request_texts";
    public const string GatewayUnknownWords = "streamattention.gateway.unknown_words";
    public const string GatewayTextsWithoutKnownWords = "streamattention.gateway.texts_without_known_words";

    // The users' delivery policies (AttentionInstruments).
    public const string AttentionDecisions = "streamattention.attention.decisions";
    public const string AttentionDigests = "streamattention.attention.digests";
    public const string AttentionFeedback = "streamattention.attention.feedback";
    public const string AttentionUndecided = "streamattention.attention.undecided";
    public const string AttentionHungDecisions = "streamattention.attention.hung_decisions";

    // The model in use (ModelInfo).
    public const string ModelInfo = "streamattention.model.info";

    // Each readiness check's last status (HealthStatusGauge) and its results not Healthy (HealthCheckFailures), in the service defaults.
    public const string HealthStatus = "streamattention.health.status";
    public const string HealthFailures = "streamattention.health.failures";

    public const string HttpRefusedConnections = "streamattention.http.refused_connections";

    // The HTTP API's counters by tenant (HttpInstruments).
    public const string HttpRefusedRequests = "streamattention.http.refused_requests";
    public const string ImportLines = "streamattention.import.lines";

    // The Kafka ingest pipeline (IngestInstruments).
    public const string IngestMessages = "streamattention.ingest.messages";
    public const string IngestMatches = "streamattention.ingest.matches";
    public const string IngestErasedMatches = "streamattention.ingest.matches.erased";
    public const string IngestMatchRecords = "streamattention.ingest.match_records";
    public const string IngestBatchSize = "streamattention.ingest.batch_size";
    public const string IngestPauses = "streamattention.ingest.pauses";
    public const string IngestRestarts = "streamattention.ingest.restarts";
    public const string IngestDeadLetters = "streamattention.ingest.dead_letters";
    public const string IngestLatency = "streamattention.ingest.latency";
    public const string IngestConsumerLag = "streamattention.ingest.consumer_lag";
    public const string IngestMessagesLost = "streamattention.ingest.messages.lost";

    /// <summary>The prefix every ingest instrument shares: a process has an ingest once one of them is published.</summary>
    public const string IngestPrefix = "streamattention.ingest.";

    /// <summary>Every instrument name above.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        ScoringPairs, ScoringCandidatePairs, ScoringMatches, ScoringRescoredPairs, ScoringRescoredMessages, ScoringOverBudgetMessages, ScoringFastOnlyMessages, ScoringOverCapPairs, ScoringRunDuration,
        BatchSize, BatchInterests, BatchQueueDelay, BatchShardRequests, BatchDropped,
        GatewayMessages, GatewayMatches, GatewayDuration, GatewayRequestTexts, GatewayUnknownWords, GatewayTextsWithoutKnownWords,
        AttentionDecisions, AttentionDigests, AttentionFeedback, AttentionUndecided, AttentionHungDecisions,
        ModelInfo, HealthStatus, HealthFailures, HttpRefusedConnections, HttpRefusedRequests, ImportLines,
        IngestMessages, IngestMatches, IngestErasedMatches, IngestMatchRecords, IngestBatchSize, IngestPauses, IngestRestarts, IngestDeadLetters, IngestLatency, IngestConsumerLag, IngestMessagesLost,
    ];
}
