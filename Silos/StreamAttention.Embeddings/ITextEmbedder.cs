namespace StreamAttention.Embeddings;

/// <summary>Turns texts into token vectors (for cross-attention) and one pooled vector each (for the prefilter).</summary>
public interface ITextEmbedder : IDisposable
{
    /// <summary>A short model name for logs and metrics, e.g. "glove-6b-100d".</summary>
    string Name { get; }

    int Dimension { get; }

    /// <summary>Tokens kept per text; longer texts are truncated to their first <see cref="MaxTokens"/> tokens.</summary>
    int MaxTokens { get; }

    TokenBatch Embed(IReadOnlyList<string> texts);
}
