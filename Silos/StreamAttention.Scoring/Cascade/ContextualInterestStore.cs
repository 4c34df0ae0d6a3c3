using System.Numerics.Tensors;
using StreamAttention.Contracts.Scoring;

namespace StreamAttention.Scoring.Cascade;

/// <summary>
/// Interests' contextual vectors in half precision, by text: the second level behind
/// <see cref="ContextualInterestQueries"/>'s ready queries, so that a text dropped from those comes back without a model
/// run. Per text its pooled vector and its first <c>maxQueries</c> token vectors, 2 bytes a value (~8.5 KB for ten word
/// pieces at d = 384, against ~15 KB ready), at most <c>capacity</c> texts (the oldest dropped first; 0: none kept).
/// Every row it gives has been through half precision and made unit again (<see cref="Add"/> gives the row as it
/// will read back), so a score does not depend on whether the model ran or the row was kept. Not thread-safe: its
/// owner's lock guards it.
/// </summary>
public sealed class ContextualInterestStore(int dimension, int maxQueries, int capacity)
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Queue<string> _added = new();

    /// <summary>Texts kept now.</summary>
    public int Count => _entries.Count;

    /// <summary>Keeps <paramref name="row"/> (the model's vectors of <paramref name="text"/>) and returns it as it reads back.</summary>
    public EmbeddedText Add(string text, EmbeddedText row)
    {
        var kept = Math.Min(row.Tokens.Length, maxQueries);
        var vectors = new Half[(1 + kept) * dimension];
        TensorPrimitives.ConvertToHalf(row.Pooled, vectors.AsSpan(0, dimension));
        TensorPrimitives.ConvertToHalf(row.TokenVectors.AsSpan(0, kept * dimension), vectors.AsSpan(dimension));
        var entry = new Entry(vectors, row.TokenWeights[..kept], row.Tokens[..kept]);
        if (capacity > 0 && !_entries.ContainsKey(text))
        {
            _entries.Add(text, entry);
            _added.Enqueue(text);
            while (_entries.Count > capacity)
            {
                _entries.Remove(_added.Dequeue());
            }
        }
        return Read(entry, text);
    }

    /// <summary>The row kept for <paramref name="text"/>, as <see cref="Add"/> returned it; null if not kept.</summary>
    public EmbeddedText? Get(string text) => _entries.TryGetValue(text, out var entry) ? Read(entry, text) : null;

    private EmbeddedText Read(Entry entry, string text)
    {
        var pooled = new float[dimension];
        var tokenVectors = new float[entry.Tokens.Length * dimension];
        TensorPrimitives.ConvertToSingle(entry.Vectors.AsSpan(0, dimension), pooled);
        TensorPrimitives.ConvertToSingle(entry.Vectors.AsSpan(dimension), tokenVectors);
        Unit(pooled);
        for (var t = 0; t < entry.Tokens.Length; t++)
        {
            Unit(tokenVectors.AsSpan(t * dimension, dimension));
        }
        return new EmbeddedText(tokenVectors, entry.Weights, pooled, entry.Tokens, text);
    }

    /// <summary>Rounding moves a unit vector's norm by up to ~1e-3: made unit again (a zero vector, a text without tokens, stays zero).</summary>
    private static void Unit(Span<float> vector)
    {
        var norm = TensorPrimitives.Norm<float>(vector);
        if (norm > 0)
        {
            TensorPrimitives.Divide(vector, norm, vector);
        }
    }

    /// <param name="Vectors">[1 + tokens, d]: the pooled vector, then the token vectors in order.</param>
    private sealed record Entry(Half[] Vectors, float[] Weights, string[] Tokens);
}
