namespace StreamAttention.Scoring.Options;

/// <summary>Which engine scores candidate pairs; both compute the same scores (see docs/benchmarks.md for their speed).</summary>
public enum ScoringEngine
{
    /// <summary>
    /// Candidates from clustered interests, then attention once per (message, distinct interest word), summed per
    /// interest by word weight (<see cref="SharedWords.SharedWordsScorer"/>).
    /// </summary>
    SharedWords,

    /// <summary>Prefilter GEMM over every interest, then cross-attention per candidate pair (<see cref="CrossAttentionStage"/>).</summary>
    PerPair,
}
