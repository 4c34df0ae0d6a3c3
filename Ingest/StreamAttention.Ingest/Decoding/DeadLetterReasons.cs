namespace StreamAttention.Ingest.Decoding;

/// <summary>The reasons a message is dead-lettered, sent in header <see cref="Publishing.DeadLetterHeaders.Error"/> and tagged on the counters.</summary>
public static class DeadLetterReasons
{
    public const string Oversize = "oversize";
    public const string InvalidUtf8 = "invalid-utf8";
    public const string MalformedJson = "malformed-json";
    public const string MissingText = "missing-text";
    public const string InvalidField = "invalid-field";
    public const string WrongDimension = "wrong-dimension";
    public const string InvalidVector = "invalid-vector";

    /// <summary>No tenant where one is required, a tenant not in Ingest:Tenancy:Tenants, or two sources naming different tenants.</summary>
    public const string UnknownTenant = "unknown-tenant";

    /// <summary>The named user has no interests in the message's tenant.</summary>
    public const string UnknownUser = "unknown-user";

    /// <summary>Decoded, but scoring it kept failing after retries while the rest of its batch scored (see ScoringGatewayClient).</summary>
    public const string ScoringFailed = "scoring-failed";

    /// <summary>
    /// Scored, but one matched user's grain kept failing to decide its matches: the message is dead-lettered once for
    /// that user (header <see cref="Publishing.DeadLetterHeaders.User"/>), so its replay reaches that user alone; the
    /// other users' matches were published.
    /// </summary>
    public const string DecisionFailed = "decision-failed";

    /// <summary>
    /// Scored, but one matched user's tenant has no topic of its own: a per-tenant topic pattern (Ingest:Tenancy) makes a
    /// name Kafka refuses of it (a tenant id may hold ':'). Dead-lettered once for that user, as <see cref="DecisionFailed"/>.
    /// </summary>
    public const string NoTenantTopic = "no-tenant-topic";

    /// <summary>
    /// Not a message: offsets of an input partition the broker removed (retention) before the ingest read them. The dead
    /// letter has no key and no value, only where they were (<see cref="Publishing.DeadLetterHeaders.LostFirstOffset"/>,
    /// <see cref="Publishing.DeadLetterHeaders.LostLastOffset"/>); a replay passes it over.
    /// </summary>
    public const string OffsetsLost = "offsets-lost";

    public static readonly IReadOnlyList<string> All =
        [Oversize, InvalidUtf8, MalformedJson, MissingText, InvalidField, WrongDimension, InvalidVector, UnknownTenant, UnknownUser, ScoringFailed, DecisionFailed, NoTenantTopic, OffsetsLost];
}
