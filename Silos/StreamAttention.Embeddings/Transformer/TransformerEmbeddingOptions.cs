using System.ComponentModel.DataAnnotations;

namespace StreamAttention.Embeddings.Transformer;

/// <summary>
/// A Hugging Face sentence-transformer exported to ONNX (inputs input_ids, attention_mask and optionally
/// token_type_ids, int64 [batch, seq]; output last_hidden_state float [batch, seq, d]) with its WordPiece vocab.txt.
/// </summary>
public sealed class TransformerEmbeddingOptions
{
    public const string SectionName = "Embeddings:Transformer";

    [Required, FileExists]
    public string ModelPath { get; set; } = "";

    [Required, FileExists]
    public string VocabPath { get; set; } = "";

    /// <summary>Name for logs and metrics; defaults to the model file name without extension.</summary>
    public string? Name { get; set; }

    /// <summary>
    /// Word pieces kept per text, and per window of a longer one (Scoring:MaxWindows), not counting [CLS] and [SEP]; the
    /// model sees sequences of up to MaxTokens + 2.
    /// To reproduce a sentence-transformers model with max_seq_length L, set L − 2. 510 keeps BERT's 512 positions.
    /// </summary>
    [Range(1, 510)]
    public int MaxTokens { get; set; } = 128;

    /// <summary>
    /// The most texts per ONNX run (memory grows with BatchSize × sequence²); fewer where padding them to one length would
    /// cost more than another run (<see cref="LengthRuns"/>).
    /// </summary>
    [Range(1, 4096)]
    public int BatchSize { get; set; } = 32;

    /// <summary>Lower-case and strip accents before WordPiece, as uncased BERT vocabularies expect.</summary>
    public bool LowerCase { get; set; } = true;

    /// <summary>The model output holding per-token hidden states [batch, seq, d].</summary>
    [Required]
    public string OutputName { get; set; } = "last_hidden_state";
}
