namespace StreamAttention.Contracts.Users;

/// <summary>
/// A user grain's delivery decision on one match (<see cref="Grains.IUserGrain.Decide"/>): its kind
/// (<see cref="DeliveryKinds"/>), the score it was decided on (after "not like this" feedback) and, for a suppressed
/// duplicate, the match id it duplicates. A value, so a batch's decisions are one array rather than a decided copy of
/// every match; the match itself is the caller's, which formed it.
/// </summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.MatchDecision")]
public readonly record struct MatchDecision(string Delivery, float Score, string? DuplicateOf = null);
