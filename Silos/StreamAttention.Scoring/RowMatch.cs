using StreamAttention.Contracts;

namespace StreamAttention.Scoring;

/// <summary>
/// A (message, interest) pair that reached its threshold, named by rows: the message's row in the scored
/// <see cref="StreamAttention.Embeddings.TokenBatch"/> and the interest's row in the <see cref="InterestIndex"/>. What
/// <see cref="TwoStageScorer"/> returns; the callers turn rows into ids. A struct: a large index yields thousands per message.
/// </summary>
public readonly record struct RowMatch(int MessageIndex, int InterestIndex, float Score, float PrefilterScore, IReadOnlyList<Highlight> Highlights);
