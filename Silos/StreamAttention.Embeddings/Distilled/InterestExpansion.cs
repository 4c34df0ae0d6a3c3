using System.Numerics.Tensors;
using StreamAttention.Onnx;

namespace StreamAttention.Embeddings.Distilled;

/// <summary>
/// Interests embedded with more than the static table gives them, since they are few and written rarely: an interest's
/// MiniLM sentence embedding, mapped into the table's space (<see cref="SentenceProjection"/>), becomes its pooled
/// vector, and the <see cref="DistilledModelOptions.ExpansionWords"/> candidate words nearest to it follow its own words
/// as extra queries, each weighted <see cref="DistilledModelOptions.ExpansionWeight"/> × its cosine × the mean weight of
/// the interest's own words, so a message that paraphrases the interest ("crashed" for "failed") draws attention too.
/// The words added are ordinary table words (vectors exactly a message's), so the scoring engines run unchanged;
/// messages stay static.
/// </summary>
public sealed class InterestExpansion : IDisposable
{
    private readonly float[] _vectors;
    private readonly string[] _words;
    private readonly SentenceProjection _projection;
    private readonly int _dimension;
    private readonly int _count;
    private readonly double _weight;
    private readonly NearestWords _nearest;

    /// <summary>
    /// Interests whose nearest words one matrix product finds: larger groups pass over the candidates less often per
    /// interest but rent a larger scores buffer (docs/benchmarks.md, "Relevance: nearest").
    /// </summary>
    private const int SearchGroup = 32;

    /// <summary>A unit vector's components are within ±1: fixed point with 15 bits after the point (<see cref="ToFixedPoint"/>).</summary>
    private const float FixedPointScale = short.MaxValue;

    /// <param name="candidates">One embedded word per text: the words expansion may add (a text that is not one token is skipped).</param>
    /// <param name="sessions">Makes the session of the nearest-word search (<see cref="NearestWords"/>).</param>
    public InterestExpansion(TokenBatch candidates, SentenceProjection projection, int count, double weight, OnnxSessionFactory sessions)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (projection.To != candidates.Dimension)
        {
            throw new ArgumentException($"The projection maps into {projection.To} dimensions, not the table's {candidates.Dimension}.", nameof(projection));
        }
        _projection = projection;
        _dimension = candidates.Dimension;
        _count = count;
        _weight = weight;
        var kept = Enumerable.Range(0, candidates.Count).Where(i => candidates.TokenCount(i) == 1 && candidates.TokenWeights[i * candidates.Tokens] > 0).ToArray();
        _words = Array.ConvertAll(kept, i => candidates.TokenTexts[i][0]);
        _vectors = new float[kept.Length * _dimension];
        for (var k = 0; k < kept.Length; k++)
        {
            candidates.TokenVector(kept[k], 0).CopyTo(_vectors.AsSpan(k * _dimension));
        }
        _nearest = new NearestWords(_vectors, _words, _dimension, sessions);
    }

    /// <summary>The words expansion may add, which <see cref="TextExpansion.Words"/> index.</summary>
    public IReadOnlyList<string> Candidates => _words;

    /// <summary>
    /// The texts with the mapped sentence embedding as pooled vector and their expansion words after their own tokens.
    /// A text without a known word, or with a zero sentence embedding, is left as it is.
    /// </summary>
    /// <param name="sentences">[texts.Count, <see cref="SentenceProjection.From"/>]: each text's sentence embedding.</param>
    public TokenBatch Expand(TokenBatch texts, ReadOnlySpan<float> sentences)
    {
        if (sentences.Length != texts.Count * _projection.From)
        {
            throw new ArgumentException($"{sentences.Length} values do not make {texts.Count} sentence embeddings of {_projection.From}.", nameof(sentences));
        }
        return Apply(texts, Find(texts, Enumerable.Range(0, texts.Count).ToArray(), sentences));
    }

    /// <summary>
    /// What texts <paramref name="which"/> of <paramref name="texts"/> gain from their sentence embeddings, in that
    /// order; null: nothing (no known word, or a zero embedding).
    /// </summary>
    /// <param name="sentences">[which.Count, <see cref="SentenceProjection.From"/>]: those texts' sentence embeddings.</param>
    public TextExpansion?[] Find(TokenBatch texts, IReadOnlyList<int> which, ReadOnlySpan<float> sentences)
    {
        var found = new TextExpansion?[which.Count];
        var mapped = new List<(int Slot, float[] Vector)>(which.Count);
        for (var j = 0; j < which.Count; j++)
        {
            var vector = new float[_dimension];
            if (texts.TokenCount(which[j]) > 0 && _projection.Project(sentences.Slice(j * _projection.From, _projection.From), vector))
            {
                mapped.Add((j, vector));
            }
        }
        foreach (var group in mapped.Chunk(SearchGroup))
        {
            var nearest = Nearest(group.Select(g => g.Vector).ToArray(), group.Select(g => texts.TokenTexts[which[g.Slot]]).ToArray());
            for (var g = 0; g < group.Length; g++)
            {
                found[group[g].Slot] = new TextExpansion(ToFixedPoint(group[g].Vector), nearest[g].Select(n => n.Word).ToArray(), nearest[g].Select(n => n.Similarity).ToArray());
            }
        }
        return found;
    }

    /// <summary>The texts with their expansions (<see cref="Find"/>) applied; a null expansion leaves its text as it is.</summary>
    public TokenBatch Apply(TokenBatch texts, IReadOnlyList<TextExpansion?> expansions)
    {
        var expanded = new TokenBatch(texts.Count, texts.Tokens + _count, _dimension);
        for (var text = 0; text < texts.Count; text++)
        {
            var own = texts.TokenCount(text);
            texts.TokenVectors.AsSpan(text * texts.Tokens * _dimension, own * _dimension).CopyTo(expanded.TokenVectors.AsSpan(text * expanded.Tokens * _dimension));
            texts.TokenWeights.AsSpan(text * texts.Tokens, own).CopyTo(expanded.TokenWeights.AsSpan(text * expanded.Tokens));
            texts.PooledVector(text).CopyTo(expanded.PooledVector(text));
            expanded.TokenTexts[text] = texts.TokenTexts[text];
            expanded.Texts[text] = texts.Texts[text];
            expanded.UnknownWords[text] = texts.UnknownWords[text];
            expanded.Truncated[text] = texts.Truncated[text];
            if (expansions[text] is not { } expansion)
            {
                continue;
            }
            FromFixedPoint(expansion.Pooled, expanded.PooledVector(text));
            var meanWeight = TensorPrimitives.Sum<float>(texts.TokenWeights.AsSpan(text * texts.Tokens, own)) / own;
            for (var k = 0; k < expansion.Words.Length; k++)
            {
                _vectors.AsSpan(expansion.Words[k] * _dimension, _dimension).CopyTo(expanded.TokenVector(text, own + k));
                expanded.TokenWeights[text * expanded.Tokens + own + k] = (float)(_weight * expansion.Similarities[k] * meanWeight);
            }
            expanded.TokenTexts[text] = [.. texts.TokenTexts[text], .. expansion.Words.Select(w => _words[w])];
        }
        return expanded;
    }

    public void Dispose() => _nearest.Dispose();

    /// <summary>
    /// The mapped unit vector as kept, cached and stored: in fixed point, each component × <see cref="FixedPointScale"/>
    /// and rounded (half the bytes per interest; the rows use <see cref="FromFixedPoint"/>'s values), so an expansion read
    /// back gives exactly the row a fresh one does. Its error (≤ 1.5·10⁻⁵ per component) is below Half's at the
    /// components' usual size, and moved no evaluation figure (docs/benchmarks.md, "Scale: heap2"). The nearest words are
    /// searched with the vector before rounding.
    /// </summary>
    public static short[] ToFixedPoint(ReadOnlySpan<float> unit)
    {
        var rounded = new short[unit.Length];
        for (var i = 0; i < unit.Length; i++)
        {
            rounded[i] = (short)Math.Clamp(MathF.Round(unit[i] * FixedPointScale), -FixedPointScale, FixedPointScale);
        }
        return rounded;
    }

    public static void FromFixedPoint(ReadOnlySpan<short> rounded, Span<float> unit)
    {
        for (var i = 0; i < rounded.Length; i++)
        {
            unit[i] = rounded[i] / FixedPointScale;
        }
    }

    /// <summary>For each key, the <see cref="_count"/> candidates of positive cosine to it, best first (ties in candidate order), none of its own words.</summary>
    private (int Word, float Similarity)[][] Nearest(float[][] keys, string[][] ownWords)
        => _nearest.Find(keys.SelectMany(key => key).ToArray(), ownWords, _count);
}

/// <summary>What one interest text gains (<see cref="InterestExpansion.Find"/>): its mapped sentence embedding (in fixed point, <see cref="InterestExpansion.ToFixedPoint"/>) and its nearest candidate words with their cosines.</summary>
public sealed record TextExpansion(short[] Pooled, int[] Words, float[] Similarities);
