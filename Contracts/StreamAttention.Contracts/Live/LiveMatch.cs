using StreamAttention.Contracts.Users;

namespace StreamAttention.Contracts.Live;

/// <summary>A match as the live streams publish it: the user's history entry and whose it is.</summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.LiveMatch")]
public sealed record LiveMatch(string UserId, UserMatch Match);
