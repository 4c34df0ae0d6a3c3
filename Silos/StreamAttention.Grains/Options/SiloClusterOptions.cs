using System.ComponentModel.DataAnnotations;
using Orleans.Configuration;

namespace StreamAttention.Grains.Options;

/// <summary>
/// Where a silo finds its cluster and keeps grain state (section "Cluster"). Defaults run one local silo with
/// state in memory; <c>Cluster:Clustering=redis</c> with <c>Cluster:Redis=host:port</c> joins silos through Redis,
/// which then also stores state unless <see cref="Storage"/> says otherwise.
/// </summary>
public sealed class SiloClusterOptions : IValidatableObject
{
    /// <summary>Not "Orleans": Orleans reads that section itself (e.g. Orleans:Clustering:ProviderType) and would take these keys for its own.</summary>
    public const string SectionName = "Cluster";

    /// <summary>Orleans' <c>ClusterMembershipOptions</c> by their own names (e.g. ProbeTimeout, NumMissedProbesLimit).</summary>
    public const string MembershipSectionName = SectionName + ":Membership";

    /// <summary>
    /// Failure detection, StreamAttention's defaults for Orleans' <c>ClusterMembershipOptions</c> (each overridable by key
    /// under <see cref="MembershipSectionName"/>): a probe counts as missed after <c>ProbeTimeout</c> (2 s; Orleans adapts
    /// it up to <c>MaxProbeTimeout</c>, 2 × <c>ProbeTimeout</c> unless set), and <c>NumMissedProbesLimit</c> (2) missed
    /// probes suspect the silo. A silo whose connection carried a message within <c>MaxProbeTimeout</c> ×
    /// <c>NumMissedProbesLimit</c> is not suspected, so that product also bounds how long a frozen silo stays active.
    /// Orleans' own (5 s, 20 s, 3) kept a killed silo active ~15 s and a frozen one ~60 s, calls to their grains hanging;
    /// measured in Silos/README.md, "Failure detection".
    /// </summary>
    public static void MembershipDefaults(ClusterMembershipOptions membership)
        => (membership.ProbeTimeout, membership.NumMissedProbesLimit) = (TimeSpan.FromSeconds(2), 2);

    /// <summary><c>MaxProbeTimeout</c> in <c>ProbeTimeout</c>s where the configuration does not set it (Orleans' own: 4).</summary>
    public const int MaxProbeTimeoutInProbeTimeouts = 2;

    [Required]
    public string ClusterId { get; set; } = "streamattention";

    [Required]
    public string ServiceId { get; set; } = "streamattention";

    [EnumDataType(typeof(ClusteringKind), ErrorMessage = "The field Clustering must be Localhost or Redis.")]
    public ClusteringKind Clustering { get; set; } = ClusteringKind.Localhost;

    /// <summary>Null: Redis when clustering is Redis, else memory.</summary>
    [EnumDataType(typeof(StorageKind), ErrorMessage = "The field Storage must be Memory or Redis.")]
    public StorageKind? Storage { get; set; }

    /// <summary>StackExchange.Redis configuration string, e.g. "127.0.0.1:6379".</summary>
    public string? Redis { get; set; }

    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// Redis clustering: the address (IP or host name) other silos and clients reach this silo at, e.g. the pod IP or
    /// the compose service name; the silo then listens on every interface. Null: loopback, silos on one machine.
    /// </summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>
    /// How long a grain call may take before its caller gives up (Orleans' ResponseTimeout, silos and clients alike);
    /// the callee's cancellation token is cancelled then, so queued scoring work is dropped. Size it above the longest
    /// wait a scoring call can see: (Scoring:Batching:QueueCapacity / MaxBatchSize + 1) runs of at most MaxBatchMessages
    /// messages against the silo's interests; see Silos/README.md.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a silo's stop may take (the host's shutdown timeout): its grains deactivate and it leaves the cluster's
    /// membership within it, and past it the process exits (Orleans alone retries a membership table it cannot write
    /// for about two minutes).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Redis storage: how long the readiness check (<c>/health/ready</c>, check <c>storage</c>) waits for Redis to answer a
    /// PING before it reports the silo unready. Short: a probe that waits longer than its prober is a failed probe anyway.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan StoragePingTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The standalone ingest: how long it waits for a silo of its cluster to answer as it starts before it exits (exit
    /// code 69, as for a Redis it cannot reach). Null: it waits until one answers or it is stopped.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan? MaxWaitForSilo { get; set; }

    public StorageKind EffectiveStorage => Storage ?? (Clustering == ClusteringKind.Redis ? StorageKind.Redis : StorageKind.Memory);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if ((Clustering == ClusteringKind.Redis || EffectiveStorage == StorageKind.Redis) && string.IsNullOrWhiteSpace(Redis))
        {
            yield return new ValidationResult("Cluster:Redis (a Redis configuration string such as 127.0.0.1:6379) is required when clustering or storage uses Redis.", [nameof(Redis)]);
        }
    }
}

public enum ClusteringKind
{
    /// <summary>One silo on the loopback interface (development, tests).</summary>
    Localhost,

    Redis,
}

public enum StorageKind
{
    /// <summary>In the silo's memory: lost when the silo stops.</summary>
    Memory,

    Redis,
}
