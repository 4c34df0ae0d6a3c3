namespace StreamAttention.Contracts.Diagnostics;

/// <summary>
/// The tags that put a health check behind a probe, written once for every component that registers one: the silo's
/// and the ingest's hosts map the probes (ServiceDefaults), and the ingest registers its Kafka check without them.
/// </summary>
public static class HealthCheckTags
{
    /// <summary>The checks <c>/health/live</c> runs: the process is up and serving.</summary>
    public const string Live = "live";

    /// <summary>The checks <c>/health/ready</c> runs: the service can do its work.</summary>
    public const string Ready = "ready";
}
