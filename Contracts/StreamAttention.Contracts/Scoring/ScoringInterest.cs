namespace StreamAttention.Contracts.Scoring;

/// <summary>An embedded interest of one user, what a scoring shard needs to score it (keyword rules included).</summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.ScoringInterest")]
public sealed record ScoringInterest(string Id, string Text, float? Threshold, EmbeddedText Embedding,
    IReadOnlyList<string>? Require = null, IReadOnlyList<string>? Exclude = null);
