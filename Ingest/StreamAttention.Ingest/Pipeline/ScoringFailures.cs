using StreamAttention.Contracts.Grains;

namespace StreamAttention.Ingest.Pipeline;

/// <summary>Whose failure a scoring call's was: what <see cref="ScoringGatewayClient"/> waits for, and what <see cref="ScoringCallRetries"/>' warnings name.</summary>
public static class ScoringFailures
{
    /// <summary>
    /// A scoring call's failure that no message is to blame for: the cluster could not answer (<see cref="ClusterFailures.IsUnavailable"/>),
    /// a grain's storage did not (<see cref="ClusterFailures.IsStorageUnavailable"/>: the batch waits for it as for the
    /// cluster, rather than dead-lettering every message), or any other Orleans runtime error (shards moving between silos).
    /// </summary>
    public static bool IsUnavailable(Exception e) => e is OrleansException || ClusterFailures.IsUnavailable(e) || ClusterFailures.IsStorageUnavailable(e);

    /// <summary>Whose failure a retried call's was, for its log line: an on-call engineer looks at Redis for the first, at the silos for the second.</summary>
    public static string Describe(Exception e)
        => ClusterFailures.IsStorageUnavailable(e) ? "storage unavailable" : IsUnavailable(e) ? "cluster unavailable" : "refused";
}
