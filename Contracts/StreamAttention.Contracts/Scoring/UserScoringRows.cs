namespace StreamAttention.Contracts.Scoring;

/// <summary>
/// All embedded interests of a user at one version of the user's state; a shard keeps the highest version it saw,
/// so a late copy never overwrites a newer one. <paramref name="Incarnation"/>: the user's incarnation the rows are of
/// (<c>IUserGrain.GetIncarnation</c>; <see cref="Guid.Empty"/>: none stored when the rows were formed, as for a user
/// stored before incarnations until a write stores one; one a write in progress made is left out until stored).
/// </summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.UserScoringRows")]
public sealed record UserScoringRows(long Version, IReadOnlyList<ScoringInterest> Interests, Guid Incarnation = default);
