using StreamAttention.Contracts.Scoring;

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
        Texts = new string?[count];
        UnknownWords = new int[count];
        Truncated = new bool[count];
        LaterWindow = new bool[count];
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

    /// <summary>The raw text of each row (keyword rules and term evidence read it), null where the batch was made without it.</summary>
    public string?[] Texts { get; }

    /// <summary>Words skipped because the vocabulary does not know them, per text.</summary>
    public int[] UnknownWords { get; }

    /// <summary>Whether a text had more than <see cref="ITextEmbedder.MaxTokens"/> tokens and was cut.</summary>
    public bool[] Truncated { get; }

    /// <summary>Whether a row is a window after the first of its text (<see cref="Windows.MessageWindows"/>): not a message of its own.</summary>
    public bool[] LaterWindow { get; }

    public Span<float> TokenVector(int text, int token) => TokenVectors.AsSpan((text * Tokens + token) * Dimension, Dimension);

    public Span<float> PooledVector(int text) => Pooled.AsSpan(text * Dimension, Dimension);

    public int TokenCount(int text) => TokenTexts[text].Length;

    /// <summary>Text <paramref name="text"/> without padding, keeping at most its first <paramref name="maxTokens"/> tokens.</summary>
    public EmbeddedText Row(int text, int maxTokens = int.MaxValue)
    {
        var count = Math.Min(TokenCount(text), maxTokens);
        return new EmbeddedText(
            TokenVectors.AsSpan(text * Tokens * Dimension, count * Dimension).ToArray(),
            TokenWeights.AsSpan(text * Tokens, count).ToArray(),
            PooledVector(text).ToArray(),
            TokenTexts[text][..count],
            Texts[text],
            LaterWindow[text]);
    }

    /// <summary>Rows (see <see cref="Row"/>) back into one padded batch.</summary>
    public static TokenBatch FromRows(IReadOnlyList<EmbeddedText> rows, int dimension)
    {
        var tokens = Math.Max(1, rows.Count == 0 ? 1 : rows.Max(r => r.Tokens.Length));
        var batch = new TokenBatch(rows.Count, tokens, dimension);
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            if (!row.HasShape(dimension))
            {
                throw new ArgumentException($"Row {i} does not have the shape of {row.Tokens.Length} tokens of dimension {dimension}.", nameof(rows));
            }
            row.TokenVectors.CopyTo(batch.TokenVectors.AsSpan(i * tokens * dimension));
            row.TokenWeights.CopyTo(batch.TokenWeights.AsSpan(i * tokens));
            row.Pooled.CopyTo(batch.PooledVector(i));
            batch.TokenTexts[i] = row.Tokens;
            batch.Texts[i] = row.Text;
            batch.LaterWindow[i] = row.LaterWindow;
        }
        return batch;
    }

    /// <summary>The texts of several batches of one dimension in order, padded to the longest.</summary>
    public static TokenBatch Concat(IReadOnlyList<TokenBatch> parts, int dimension)
    {
        var tokens = parts.Count == 0 ? 1 : parts.Max(p => p.Tokens);
        var batch = new TokenBatch(parts.Sum(p => p.Count), tokens, dimension);
        var offset = 0;
        foreach (var part in parts)
        {
            if (part.Dimension != dimension)
            {
                throw new ArgumentException($"A batch has dimension {part.Dimension}, not {dimension}.", nameof(parts));
            }
            for (var i = 0; i < part.Count; i++, offset++)
            {
                part.TokenVectors.AsSpan(i * part.Tokens * dimension, part.Tokens * dimension).CopyTo(batch.TokenVectors.AsSpan(offset * tokens * dimension));
                part.TokenWeights.AsSpan(i * part.Tokens, part.Tokens).CopyTo(batch.TokenWeights.AsSpan(offset * tokens));
                batch.TokenTexts[offset] = part.TokenTexts[i];
                batch.Texts[offset] = part.Texts[i];
                batch.UnknownWords[offset] = part.UnknownWords[i];
                batch.Truncated[offset] = part.Truncated[i];
                batch.LaterWindow[offset] = part.LaterWindow[i];
            }
            part.Pooled.CopyTo(batch.Pooled.AsSpan((offset - part.Count) * dimension));
        }
        return batch;
    }
}
