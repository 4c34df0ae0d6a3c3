namespace StreamAttention.Scoring.Options;

/// <summary>Which token vectors decide a pair's score (<see cref="Cascade.TieredScorer"/>).</summary>
public enum ScoringTier
{
    /// <summary>The configured embedder's vectors alone (GloVe by default): static-embedding speed.</summary>
    Fast,

    /// <summary>
    /// The fast tier scores every pair; pairs within <see cref="ScoringOptions.CascadeMargin"/> of their threshold, and
    /// in their messages those within <see cref="ScoringOptions.CascadePairMargin"/>, are scored again on MiniLM's
    /// contextual vectors, and that score decides.
    /// </summary>
    Cascade,

    /// <summary>Every pair scored on MiniLM's contextual vectors: the best ranking, at transformer speed.</summary>
    Contextual,
}
