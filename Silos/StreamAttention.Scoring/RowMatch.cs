using StreamAttention.Contracts;

namespace StreamAttention.Scoring;

/// <summary>A (message, interest) pair that reached its threshold, by row in the scored batch and the interest index.</summary>
public sealed record ScoredPair(int MessageIndex, int InterestIndex, float Score, float PrefilterScore, IReadOnlyList<Highlight> Highlights);
