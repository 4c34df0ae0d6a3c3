using System.Numerics.Tensors;

namespace StreamAttention.Embeddings.Windows;

/// <summary>
/// Texts embedded as windows (<see cref="WindowLayout"/>): <see cref="Rows"/> holds one row per window, a text's
/// windows consecutive and in order, and this maps rows back to their texts. A text of at most one window's tokens is
/// one row, exactly as <see cref="ITextEmbedder.Embed"/> gives it, so short texts score as they always did; a longer
/// one is scored window by window and keeps, per interest, its best window (<see cref="BestWindows"/>).
/// <see cref="Truncated"/> tells whether a text had more tokens than its windows cover.
/// </summary>
public sealed class MessageWindows
{
    private readonly int[] _firstRow;
    private readonly int[] _textOfRow;
    private readonly bool[] _truncated;

    private MessageWindows(TokenBatch rows, int[] firstRow, bool[] truncated)
    {
        Rows = rows;
        _firstRow = firstRow;
        _truncated = truncated;
        _textOfRow = new int[rows.Count];
        for (var text = 0; text < truncated.Length; text++)
        {
            _textOfRow.AsSpan(firstRow[text], firstRow[text + 1] - firstRow[text]).Fill(text);
            rows.LaterWindow.AsSpan(firstRow[text] + 1, firstRow[text + 1] - firstRow[text] - 1).Fill(true);
        }
    }

    /// <summary>One row per window; a batch that counts against scoring limits like any other.</summary>
    public TokenBatch Rows { get; }

    /// <summary>The number of texts.</summary>
    public int Count => _truncated.Length;

    public int FirstRow(int text) => _firstRow[text];

    public int WindowCount(int text) => _firstRow[text + 1] - _firstRow[text];

    /// <summary>The text that row <paramref name="row"/> is a window of.</summary>
    public int TextOf(int row) => _textOfRow[row];

    /// <summary>Whether text <paramref name="text"/> had tokens beyond what its windows cover (those were not scored).</summary>
    public bool Truncated(int text) => _truncated[text];

    /// <summary>Each text one window: its row of <paramref name="texts"/>, truncated where the embedder cut it.</summary>
    public static MessageWindows OneEach(TokenBatch texts)
        => new(texts, Enumerable.Range(0, texts.Count + 1).ToArray(), (bool[])texts.Truncated.Clone());

    /// <summary>
    /// Windows embedded each on its own (by an embedder whose token vectors depend on their context):
    /// <paramref name="rows"/> holds <paramref name="windowCounts"/>[t] consecutive rows for text t.
    /// </summary>
    public static MessageWindows FromRows(TokenBatch rows, IReadOnlyList<int> windowCounts, bool[] truncated)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(truncated.Length, windowCounts.Count);
        var firstRow = new int[windowCounts.Count + 1];
        for (var text = 0; text < windowCounts.Count; text++)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(windowCounts[text], 1);
            firstRow[text + 1] = firstRow[text] + windowCounts[text];
        }
        ArgumentOutOfRangeException.ThrowIfNotEqual(rows.Count, firstRow[^1]);
        return new MessageWindows(rows, firstRow, truncated);
    }

    /// <summary>
    /// Cuts each text of <paramref name="texts"/> into the windows of <paramref name="layout"/>. A text of at most
    /// <see cref="WindowLayout.Length"/> tokens stays one row as it is. A window of a longer text gets its tokens and,
    /// as pooled vector, their weighted mean normalised: what a static embedder gives a text of just those tokens
    /// (token vectors that depend on their context need windows embedded on their own instead). A text is truncated
    /// when the embedder cut it or it has more tokens than <see cref="WindowLayout.Coverage"/>. Unknown words are
    /// counted on a text's first window.
    /// </summary>
    public static MessageWindows Split(TokenBatch texts, WindowLayout layout)
    {
        var firstRow = new int[texts.Count + 1];
        var truncated = new bool[texts.Count];
        for (var text = 0; text < texts.Count; text++)
        {
            firstRow[text + 1] = firstRow[text] + layout.WindowCount(texts.TokenCount(text));
            truncated[text] = texts.Truncated[text] || texts.TokenCount(text) > layout.Coverage;
        }
        if (firstRow[^1] == texts.Count && texts.Tokens <= layout.Length)
        {
            return new MessageWindows(texts, firstRow, truncated);
        }
        var dimension = texts.Dimension;
        var rows = new TokenBatch(firstRow[^1], Math.Min(texts.Tokens, layout.Length), dimension);
        for (var text = 0; text < texts.Count; text++)
        {
            var tokens = texts.TokenCount(text);
            for (var window = 0; window < firstRow[text + 1] - firstRow[text]; window++)
            {
                var row = firstRow[text] + window;
                var start = layout.Start(window);
                var count = Math.Max(0, layout.TokensIn(window, tokens));
                texts.TokenVectors.AsSpan((text * texts.Tokens + start) * dimension, count * dimension).CopyTo(rows.TokenVectors.AsSpan(row * rows.Tokens * dimension));
                texts.TokenWeights.AsSpan(text * texts.Tokens + start, count).CopyTo(rows.TokenWeights.AsSpan(row * rows.Tokens));
                rows.TokenTexts[row] = texts.TokenTexts[text][start..(start + count)];
                rows.UnknownWords[row] = window == 0 ? texts.UnknownWords[text] : 0;
                rows.Truncated[row] = truncated[text];
                if (tokens <= layout.Length)
                {
                    texts.PooledVector(text).CopyTo(rows.PooledVector(row));
                }
                else
                {
                    Pool(rows, row, count);
                }
            }
        }
        return new MessageWindows(rows, firstRow, truncated);
    }

    /// <summary>
    /// Per text and interest, the match of its best window (the earlier window on a tie), with the text it belongs to,
    /// in the order the kept matches first appeared. <paramref name="row"/> gives a match's row in <see cref="Rows"/>,
    /// <paramref name="interest"/> what it matched.
    /// </summary>
    public List<(int Text, TMatch Match)> BestWindows<TMatch, TInterest>(IEnumerable<TMatch> matches, Func<TMatch, int> row,
        Func<TMatch, TInterest> interest, Func<TMatch, float> score)
        where TInterest : notnull
    {
        if (Rows.Count == Count)
        {
            return matches.Select(m => (row(m), m)).ToList();
        }
        var kept = new List<(int Text, TMatch Match)>();
        var at = new Dictionary<(int, TInterest), int>();
        foreach (var match in matches)
        {
            var text = TextOf(row(match));
            if (!at.TryGetValue((text, interest(match)), out var k))
            {
                at.Add((text, interest(match)), kept.Count);
                kept.Add((text, match));
            }
            else if (score(match) > score(kept[k].Match) || (score(match) == score(kept[k].Match) && row(match) < row(kept[k].Match)))
            {
                kept[k] = (text, match);
            }
        }
        return kept;
    }

    /// <summary>The weighted mean of a row's tokens, normalised, in the order the static embedders sum it.</summary>
    private static void Pool(TokenBatch rows, int row, int count)
    {
        var pooled = rows.PooledVector(row);
        var weights = rows.TokenWeights.AsSpan(row * rows.Tokens, count);
        for (var token = 0; token < count; token++)
        {
            TensorPrimitives.MultiplyAdd(rows.TokenVector(row, token), weights[token], pooled, pooled);
        }
        var norm = TensorPrimitives.Norm(pooled);
        if (norm > 0)
        {
            TensorPrimitives.Divide(pooled, norm, pooled);
        }
    }
}
