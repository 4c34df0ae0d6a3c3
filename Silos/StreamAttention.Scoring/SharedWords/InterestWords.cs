using System.Runtime.InteropServices;

namespace StreamAttention.Scoring.SharedWords;

/// <summary>
/// The distinct query vectors of an index (its interests' words, or their pooled vectors in pooled mode), each stored
/// once, and every interest as a sparse list of (word id, weight). A query vector's attention over a message does not
/// depend on the interest it came from, so it is computed once per message for all interests that contain it.
/// Words are identified by their vector: equal vectors attend equally, whatever the text. Repeated words of one
/// interest become one entry with their weights summed (scores and highlights are linear in the weights).
/// </summary>
public sealed class InterestWords
{
    private InterestWords(float[] vectors, int count, int dimension, int[] offsets, int[] wordIds, float[] weights)
    {
        Vectors = vectors;
        Count = count;
        Dimension = dimension;
        Offsets = offsets;
        WordIds = wordIds;
        Weights = weights;
    }

    /// <summary>[Count, Dimension] distinct query vectors.</summary>
    public float[] Vectors { get; }

    public int Count { get; }

    public int Dimension { get; }

    /// <summary>[interests + 1]: interest i's entries are [Offsets[i], Offsets[i + 1]) of <see cref="WordIds"/> and <see cref="Weights"/>.</summary>
    public int[] Offsets { get; }

    public int[] WordIds { get; }

    /// <summary>Word weights, summing to 1 per interest that has words.</summary>
    public float[] Weights { get; }

    public ReadOnlySpan<float> Vector(int word) => Vectors.AsSpan(word * Dimension, Dimension);

    public static InterestWords Build(InterestIndex index)
    {
        int dimension = index.Dimension, queries = index.QueriesPerInterest;
        var ids = new Dictionary<VectorKey, int>();
        var vectors = new List<float[]>();
        var offsets = new int[index.Count + 1];
        var wordIds = new List<int>();
        var weights = new List<float>();
        var row = new Dictionary<int, float>();
        for (var i = 0; i < index.Count; i++)
        {
            row.Clear();
            for (var j = 0; j < queries; j++)
            {
                var weight = index.QueryWeights[i * queries + j];
                if (weight == 0)
                {
                    continue;
                }
                var vector = index.QueryVectors.AsMemory((i * queries + j) * dimension, dimension);
                if (!ids.TryGetValue(new VectorKey(vector), out var id))
                {
                    id = vectors.Count;
                    vectors.Add(vector.ToArray());
                    ids.Add(new VectorKey(vectors[id]), id);
                }
                row[id] = row.GetValueOrDefault(id) + weight;
            }
            foreach (var (id, weight) in row)
            {
                wordIds.Add(id);
                weights.Add(weight);
            }
            offsets[i + 1] = wordIds.Count;
        }
        var table = new float[vectors.Count * dimension];
        for (var w = 0; w < vectors.Count; w++)
        {
            vectors[w].CopyTo(table, w * dimension);
        }
        return new InterestWords(table, vectors.Count, dimension, offsets, wordIds.ToArray(), weights.ToArray());
    }

    /// <summary>A vector compared by its bits, so that only identical vectors share an id.</summary>
    private readonly struct VectorKey(ReadOnlyMemory<float> vector) : IEquatable<VectorKey>
    {
        private readonly ReadOnlyMemory<float> _vector = vector;

        public bool Equals(VectorKey other) => MemoryMarshal.AsBytes(_vector.Span).SequenceEqual(MemoryMarshal.AsBytes(other._vector.Span));

        public override bool Equals(object? obj) => obj is VectorKey other && Equals(other);

        public override int GetHashCode()
        {
            var hash = new HashCode();
            hash.AddBytes(MemoryMarshal.AsBytes(_vector.Span));
            return hash.ToHashCode();
        }
    }
}
