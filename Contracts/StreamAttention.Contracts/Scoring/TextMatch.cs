namespace StreamAttention.Contracts.Scoring;

/// <summary>
/// A text (by index in the scored batch) that reached one user's interest threshold: what the shards and the scoring
/// gateway return, and <c>POST /score</c> serves.
/// </summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.TextMatch")]
public sealed record TextMatch(int TextIndex, string UserId, string InterestId, float Score, IReadOnlyList<Highlight> Highlights);
