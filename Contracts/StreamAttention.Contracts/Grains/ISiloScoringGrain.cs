using StreamAttention.Contracts.Scoring;

namespace StreamAttention.Contracts.Grains;

/// <summary>
/// A silo's scorer of message batches against every shard index published on that silo, in one queued request (key:
/// the silo's address, <c>SiloAddress.ToParsableString()</c>; it is activated on that silo only). The gateway sends a
/// batch once per silo instead of once per shard.
/// </summary>
[Alias("StreamAttention.ISiloScoringGrain")]
public interface ISiloScoringGrain : IGrainWithStringKey
{
    /// <summary>A cancelled (timed-out) call's queued work is dropped; a full queue throws <see cref="ScoringBusyException"/>.</summary>
    [Alias("Score")]
    Task<SiloScoreResult> Score(IReadOnlyList<EmbeddedText> messages, CancellationToken cancellationToken = default);
}
