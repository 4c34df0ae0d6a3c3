namespace StreamAttention.Contracts.Scoring;

/// <summary>
/// What an embedder's query expansion added to one interest text (e.g. the distilled tier's MiniLM expansion), as the
/// user grain stores it with the interest, so a grain re-activated after a restart rebuilds its rows by reading it
/// instead of running the expansion's models again. The words are text, not positions in a word list.
/// </summary>
/// <param name="Key">
/// Names everything the expansion was computed from (models, map, table, words per text): an embedder uses only the
/// expansions stored under its own key and computes the others again.
/// </param>
/// <param name="Pooled">[dimension] the text's pooled vector as the expansion gave it.</param>
/// <param name="Words">The words added after the text's own, best first.</param>
/// <param name="Similarities">[Words.Length] each added word's cosine to the text, which weighs it.</param>
[GenerateSerializer, Immutable, Alias("StreamAttention.StoredExpansion")]
public sealed record StoredExpansion(long Key, float[] Pooled, string[] Words, float[] Similarities);
