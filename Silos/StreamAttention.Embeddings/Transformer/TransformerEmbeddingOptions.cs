using System.ComponentModel.DataAnnotations;

namespace StreamAttention.Embeddings.Transformer;

/// <summary>
/// A Hugging Face sentence-transformer exported to ONNX (inputs input_ids, attention_mask and optionally
/// token_type_ids, int64 [batch, seq]; output last_hidden_state float [batch, seq, d]) with its WordPiece vocab.txt.
/// </summary>
public sealed class TransformerEmbeddingOptions
{
    public const string SectionName = "Embeddings:Transformer";

    /// <summary>The model's .onnx file (a directory is refused at start, naming the .onnx file in it).</summary>
    [Required, FileExists("*.onnx")]
    public string ModelPath { get; set; } = "";

    /// <summary>The WordPiece vocab.txt the model was exported with, one piece per line (its id).</summary>
    [Required, FileExists("*.txt")]
    public string VocabPath { get; set; } = "";

    /// <summary>
    /// The model's name in logs, metrics, the dashboard, <c>/health</c>, eval reports and the cluster's model check, which
    /// compares it with the fingerprint of the model's files (<see cref="TransformerEmbedder.Identity"/>): a name does not
    /// make two models one.
    /// Empty: the model directory's name and the first 12 hex digits of the model file's SHA-256 (e.g.
    /// "e5-small-v2-3f2a9c1b0d4e"), so two exports both called model.onnx are told apart, and one file is named alike
    /// on every silo wherever it lies.
    /// </summary>
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

    /// <summary>
    /// Lower-case and strip accents before WordPiece, as uncased BERT vocabularies expect; false for a cased model. A
    /// setting that does not fit the vocabulary (false with one without upper-case pieces, true with a cased one) is
    /// warned of at start.
    /// </summary>
    public bool LowerCase { get; set; } = true;

    /// <summary>The model output holding per-token hidden states [batch, seq, d].</summary>
    [Required]
    public string OutputName { get; set; } = "last_hidden_state";

    /// <summary>
    /// How a text's pooled vector (the prefilter's) is read from the hidden states: the mean under the attention mask,
    /// as most sentence-transformers, or the [CLS] position's, as retrieval models such as arctic-embed, BGE and GTE
    /// were trained. Token vectors are the word pieces' hidden states either way.
    /// </summary>
    [EnumDataType(typeof(TransformerPooling), ErrorMessage = "The field Pooling must be Mean or Cls.")]
    public TransformerPooling Pooling { get; set; } = TransformerPooling.Mean;

    /// <summary>
    /// Text the model was trained to see before a query, put before every interest ("query: " for E5; "Represent this
    /// sentence for searching relevant passages: " for arctic-embed and BGE); empty: none. Its word pieces go after
    /// [CLS] in the model's input and count in the pooled vector, but are no token of the interest.
    /// </summary>
    public string QueryPrefix { get; set; } = "";

    /// <summary>
    /// As <see cref="QueryPrefix"/>, before every message, and before each window of a long one ("passage: " for E5);
    /// empty: none.
    /// </summary>
    public string DocumentPrefix { get; set; } = "";
}

/// <summary>How <see cref="TransformerEmbedder"/> pools a text's hidden states into its pooled vector.</summary>
public enum TransformerPooling
{
    /// <summary>The mean of every position under the attention mask, [CLS], a prefix and [SEP] included.</summary>
    Mean,

    /// <summary>The [CLS] position's hidden state.</summary>
    Cls,
}
