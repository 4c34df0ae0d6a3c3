namespace StreamAttention.Contracts.Scoring;

/// <summary>
/// All embedded interests of a user at one version of the user's state; a shard keeps the highest version it saw,
/// so a late copy never overwrites a newer one. <paramref name="Incarnation"/>: the user's incarnation the rows are of
/// (<c>IUserGrain.GetIncarnation</c>; <see cref="Guid.Empty"/>: a user stored before incarnations, not written since).
/// </summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.UserScoringRows")]
public sealed record UserScoringRows(long Version, IReadOnlyList<ScoringInterest> Interests, Guid Incarnation = default);
