namespace StreamAttention.Contracts.Scoring;

/// <summary>
/// A message batch embedded once, for a scoring shard the silos' own scoring grains did not cover (it changed since
/// it last published its index, or it is not active anywhere yet).
/// </summary>
/// <param name="UserId">Score only this user's interests (its key, "tenant/user"); null for everyone.</param>
/// <param name="Tenant">Without a user: score only this tenant's users (keys "tenant/…"); null for everyone.</param>
[GenerateSerializer, Immutable, Alias("StreamAttention.ShardScoreRequest")]
public sealed record ShardScoreRequest(IReadOnlyList<EmbeddedText> Messages, string? UserId = null, string? Tenant = null);
