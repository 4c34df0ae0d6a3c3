using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring.Cascade;

/// <summary>
/// Puts a contextual score on the fast tier's scale: MiniLM's scores sit lower than GloVe's (an unrelated pair and a
/// match both score less), so a threshold chosen for the fast tier would admit almost nothing. A linear map fitted on
/// the dev split keeps the default threshold's meaning. Used with calibration off; calibrated contextual scores come
/// from the rescorer's own calibration (<see cref="ContextualRescorer"/>).
/// </summary>
public readonly record struct ContextualScoreMap(float Scale, float Offset)
{
    public static ContextualScoreMap Identity { get; } = new(1f, 0f);

    public static ContextualScoreMap From(ScoringOptions options) => new(options.ContextualScoreScale, options.ContextualScoreOffset);

    /// <summary>A contextual score on the fast scale.</summary>
    public float ToFast(float contextual) => Scale * contextual + Offset;

    /// <summary>A fast-scale threshold as a contextual score (Scale &gt; 0, so the order is kept).</summary>
    public float ToContextual(float fast) => (fast - Offset) / Scale;
}
