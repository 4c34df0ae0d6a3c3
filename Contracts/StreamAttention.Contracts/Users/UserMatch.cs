namespace StreamAttention.Contracts.Users;

/// <summary>A message that matched one of the user's interests, as kept in the user's recent-match history.</summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.UserMatch")]
public sealed record UserMatch(DateTimeOffset At, string InterestId, string Text, float Score, IReadOnlyList<Highlight> Highlights);
