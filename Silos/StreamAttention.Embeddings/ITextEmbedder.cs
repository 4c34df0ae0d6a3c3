using StreamAttention.Contracts.Scoring;
using StreamAttention.Embeddings.Windows;

namespace StreamAttention.Embeddings;

/// <summary>Turns texts into token vectors (for cross-attention) and one pooled vector each (for the prefilter).</summary>
public interface ITextEmbedder : IDisposable
{
    /// <summary>A short model name for logs and metrics, e.g. "glove-6b-100d".</summary>
    string Name { get; }

    /// <summary>
    /// What tells this embedder's vectors apart from another's, which the cluster's model check compares between silos:
    /// its <see cref="Name"/> where the name fixes the model's files (a published, checksum-verified model); a model a
    /// user brings adds a fingerprint of its files' content, as a name given in settings does not.
    /// </summary>
    string Identity => Name;

    /// <summary>
    /// <paramref name="identity"/> with the tokens kept per text beside it where they are not the provider's default
    /// (<c>all-minilm-l6-v2 max-tokens 256</c>): a longer text is cut, and a message windowed, elsewhere, so its vectors
    /// differ; the default adds nothing, so a default installation's identity is the builds' before.
    /// </summary>
    static string WithMaxTokens(string identity, int maxTokens, int defaultMaxTokens)
        => maxTokens == defaultMaxTokens ? identity : $"{identity} max-tokens {maxTokens}";

    int Dimension { get; }

    /// <summary>
    /// Tokens kept per text by <see cref="Embed"/>, which truncates longer texts to their first MaxTokens tokens; the
    /// length of a window in scoring (<see cref="EmbedWindows"/>).
    /// </summary>
    int MaxTokens { get; }

    TokenBatch Embed(IReadOnlyList<string> texts);

    /// <summary>
    /// Interest texts as the queries that attend over messages: as <see cref="Embed"/> gives them, which this default
    /// does, or with more query tokens after their own (e.g. expansion words, never more than the scoring keeps).
    /// </summary>
    TokenBatch EmbedQueries(IReadOnlyList<string> texts) => Embed(texts);

    /// <summary>
    /// <see cref="EmbedQueries(IReadOnlyList{string})"/>, reusing expansions computed before: on the way in,
    /// <paramref name="stored"/> holds each text's expansion as stored with it (null: none), used instead of computing
    /// it where it is this embedder's (its key); on the way out, each text's expansion as applied (null: none), to store
    /// with the text (an expansion used stays the same object). This default expands nothing.
    /// </summary>
    TokenBatch EmbedQueries(IReadOnlyList<string> texts, StoredExpansion?[] stored)
    {
        Array.Clear(stored);
        return EmbedQueries(texts);
    }

    /// <summary>
    /// The texts as windows of <paramref name="layout"/>, so a long text is scored beyond its first tokens. A text that
    /// fits one window is embedded exactly as <see cref="Embed"/> does. This default embeds each text as one window
    /// (cut at <see cref="MaxTokens"/>, marked truncated): right for any embedder, and all an embedder whose token
    /// vectors depend on their context can do without embedding each window on its own.
    /// </summary>
    MessageWindows EmbedWindows(IReadOnlyList<string> texts, WindowLayout layout) => MessageWindows.OneEach(Embed(texts));
}
