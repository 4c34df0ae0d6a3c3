using System.ComponentModel.DataAnnotations;

namespace StreamAttention.Embeddings.Distilled;

/// <summary>The static token table distilled from MiniLM at setup (section "Embeddings:Distilled").</summary>
public sealed class DistilledModelOptions
{
    public const string SectionName = "Embeddings:Distilled";

    /// <summary>Where the table is cached; empty: the shared model cache (<see cref="ModelCacheDirectory"/>).</summary>
    public string? ModelDirectory { get; set; }

    /// <summary>Dimensions kept by PCA of MiniLM's 384 (after <see cref="RemovedComponents"/>); 128 scored the same MAP on the dev split as 256, at GloVe-like speed.</summary>
    [Range(8, 384)]
    public int Dimension { get; set; } = 128;

    /// <summary>
    /// Distil only the vocabulary entries with an id below this (0: all 30,522). Pieces past it count as unknown.
    /// For tests, which need a table in seconds; the ids after the specials run roughly by frequency.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int VocabularyLimit { get; set; }

    /// <summary>
    /// SIF smoothing <c>a</c> in a piece's weight <c>a / (a + p)</c>, p from the piece's Zipf rank in the vocabulary
    /// (1e-4, Model2Vec's default, scored best on both sets' dev halves; docs/benchmarks.md "Relevance: distill").
    /// </summary>
    [Range(1e-6, 1.0)]
    public double SifA { get; set; } = 1e-4;

    /// <summary>Leading principal components dropped (directions every piece shares); Dimension are kept after them.</summary>
    [Range(0, 64)]
    public int RemovedComponents { get; set; } = 1;

    /// <summary>
    /// The most frequent words (GloVe's vocabulary, in frequency order) that split into several pieces get a vector of
    /// their own, distilled from the whole word; 0: such words are the weighted sum of their pieces.
    /// </summary>
    [Range(0, 1_000_000)]
    public int WholeWords { get; set; } = 50_000;

    /// <summary>
    /// How interests are embedded beyond the table (<see cref="Distilled.InterestExpansion"/>): with MiniLM's sentence
    /// embedding mapped into the table's space and its nearest words (default), or as messages are.
    /// </summary>
    [EnumDataType(typeof(InterestExpansionMode), ErrorMessage = "The field InterestExpansion must be MiniLm or None.")]
    public InterestExpansionMode InterestExpansion { get; set; } = InterestExpansionMode.MiniLm;

    /// <summary>Words nearest to an interest's mapped sentence embedding added to its queries; those past Scoring:MaxQueriesPerInterest are not kept.</summary>
    [Range(0, 16)]
    public int ExpansionWords { get; set; } = 2;

    /// <summary>An expansion word's weight: this × its cosine to the interest × the mean weight of the interest's own words.</summary>
    [Range(0.0, 100.0)]
    public double ExpansionWeight { get; set; } = 1;

    /// <summary>
    /// Interest texts whose expansion a process keeps (~0.45 KB each), so a text written again (by another user, in
    /// another import) does not run MiniLM again; the oldest dropped first; 0: none kept.
    /// </summary>
    [Range(0, 10_000_000)]
    public int ExpansionCacheSize { get; set; } = 100_000;

    /// <summary>Words kept per text; a longer text is scored in windows of this many (Scoring:MaxWindows).</summary>
    [Range(1, 4096)]
    public int MaxTokens { get; set; } = 64;

    /// <summary>Vocabulary pieces per MiniLM run while distilling.</summary>
    [Range(1, 8192)]
    public int BatchSize { get; set; } = 512;

    public string ResolveModelDirectory() => ModelCacheDirectory.Resolve(ModelDirectory);
}

/// <summary>How <see cref="DistilledModelOptions.InterestExpansion"/> embeds interests.</summary>
public enum InterestExpansionMode
{
    /// <summary>As messages: the table alone.</summary>
    None,

    /// <summary>With MiniLM's sentence embedding (one model run per interest written) and its nearest words.</summary>
    MiniLm,
}
