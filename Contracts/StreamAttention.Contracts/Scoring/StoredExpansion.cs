namespace StreamAttention.Contracts.Scoring;

/// <summary>
/// What an embedder's query expansion added to one interest text (e.g. the distilled tier's MiniLM expansion), as the
/// user grain stores it with the interest, so a grain re-activated after a restart rebuilds its rows by reading it
/// instead of running the expansion's models again. The words are text, not positions in a word list. The parameters'
/// order is their field ids in stored records: a field is added at the end, and one no longer written stays (a record
/// that refers to its value must still read whole).
/// </summary>
/// <param name="Key">
/// Names everything the expansion was computed from (models, map, table, words per text): an embedder uses only the
/// expansions stored under its own key and computes the others again.
/// </param>
/// <param name="FloatPooled">
/// The pooled vector as float, as expansions were stored before it was fixed point (<paramref name="Pooled"/>): read
/// (and rounded as the expansion rounds it now, which gives the same vector), never written.
/// </param>
/// <param name="Words">The words added after the text's own, best first.</param>
/// <param name="Similarities">[Words.Length] each added word's cosine to the text, which weighs it.</param>
/// <param name="Pooled">
/// [dimension] the text's pooled vector as the expansion gave it: a unit vector in fixed point, each component × 32,767
/// and rounded, as the expansion rounds it (256 B, not 512, per interest); null in an expansion stored before.
/// </param>
[GenerateSerializer, Immutable, Alias("StreamAttention.StoredExpansion")]
public sealed record StoredExpansion(long Key, float[]? FloatPooled, string[] Words, float[] Similarities, short[]? Pooled);
