namespace StreamAttention.Embeddings;

/// <summary>
/// Embedded texts laid out row-major for ONNX: token vectors [Count, Tokens, Dimension] with per-token weights
/// (0 marks padding), and a pooled vector [Count, Dimension] per text.
/// </summary>
public sealed class TokenBatch
{
    public TokenBatch(int count, int tokens, int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(tokens, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        Count = count;
        Tokens = tokens;
        Dimension = dimension;
        TokenVectors = new float[count * tokens * dimension];
        TokenWeights = new float[count * tokens];
        Pooled = new float[count * dimension];
        TokenTexts = new string[count][];
        Array.Fill(TokenTexts, []);
        UnknownWords = new int[count];
        Truncated = new bool[count];
    }

    public int Count { get; }

    /// <summary>Token slots per text (the longest text in the batch, at least 1).</summary>
    public int Tokens { get; }

    public int Dimension { get; }

    /// <summary>[Count, Tokens, Dimension]; every real token's vector has unit length, padding rows are zero.</summary>
    public float[] TokenVectors { get; }

    /// <summary>[Count, Tokens]; a real token's relative importance (&gt; 0, 1 when unweighted), 0 for padding.</summary>
    public float[] TokenWeights { get; }

    /// <summary>[Count, Dimension]; unit length, or all zeros for a text without any known token.</summary>
    public float[] Pooled { get; }

    /// <summary>The surface form of each real token, per text, in slot order.</summary>
    public string[][] TokenTexts { get; }

    /// <summary>Words skipped because the vocabulary does not know them, per text.</summary>
    public int[] UnknownWords { get; }

    /// <summary>Whether a text had more than <see cref="ITextEmbedder.MaxTokens"/> tokens and was cut.</summary>
    public bool[] Truncated { get; }

    public Span<float> TokenVector(int text, int token) => TokenVectors.AsSpan((text * Tokens + token) * Dimension, Dimension);

    public Span<float> PooledVector(int text) => Pooled.AsSpan(text * Dimension, Dimension);

    public int TokenCount(int text) => TokenTexts[text].Length;
}
