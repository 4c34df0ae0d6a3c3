using StreamAttention.Contracts;

namespace StreamAttention.Scoring;

/// <summary>
/// A (message, interest) pair that reached its threshold, named by rows: the message's row in the scored
/// <see cref="StreamAttention.Embeddings.TokenBatch"/> and the interest's row in the <see cref="InterestIndex"/>. What
/// <see cref="TwoStageScorer"/> returns; the callers turn rows into ids. A struct: a large index yields thousands per message.
/// <see cref="Score"/> is calibrated where calibration is on (<see cref="Options.ScoringOptions.Calibration"/>), and <see cref="RawScore"/> is then the
/// engine's score it was mapped from.
/// </summary>
public readonly record struct RowMatch(int MessageIndex, int InterestIndex, float Score, float PrefilterScore, IReadOnlyList<Highlight> Highlights)
{
    /// <summary>The engine's (uncalibrated) score: equal to <see cref="Score"/> when calibration is off.</summary>
    public float RawScore { get; init; } = Score;

    /// <summary>
    /// Whether the message's text lay beyond the windows that scored this pair: set by the contextual tiers, which cut
    /// their own windows (<see cref="Cascade.TieredScorer"/>); in the fast tier the caller's windows say.
    /// </summary>
    public bool Truncated { get; init; }
}
