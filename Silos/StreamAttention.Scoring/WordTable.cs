using System.Runtime.InteropServices;

namespace StreamAttention.Scoring;

/// <summary>
/// Distinct query vectors, each stored once and identified by its bits (equal vectors attend equally, whatever the
/// text). One per silo, so the indexes of its users, shards and the silo itself refer to the same words instead of
/// copying them. Append-only: a word keeps its id for the table's life, and readers need no lock.
/// </summary>
public sealed class WordTable(int dimension)
{
    private const int BlockWords = 4096;
    private readonly Lock _lock = new();
    private readonly Dictionary<VectorKey, int> _ids = [];
    private float[][] _blocks = [];
    private int _count;

    public int Dimension => dimension;

    public int Count => Volatile.Read(ref _count);

    public ReadOnlySpan<float> Vector(int word) => Volatile.Read(ref _blocks)[word / BlockWords].AsSpan(word % BlockWords * dimension, dimension);

    /// <summary>The id of <paramref name="vector"/>, added if the table does not hold it yet.</summary>
    public int Intern(ReadOnlySpan<float> vector)
    {
        if (vector.Length != dimension)
        {
            throw new ArgumentException($"A vector of {vector.Length} values in a table of dimension {dimension}.", nameof(vector));
        }
        lock (_lock)
        {
            var (block, offset) = (_count / BlockWords, _count % BlockWords * dimension);
            if (block == _blocks.Length)
            {
                // A new array of blocks, so a reader holding the previous one still finds every word it knows.
                Volatile.Write(ref _blocks, [.. _blocks, new float[BlockWords * dimension]]);
            }
            // Written into the next free slot first: if the word is new it stays there, else the slot is reused.
            var slot = _blocks[block].AsMemory(offset, dimension);
            vector.CopyTo(slot.Span);
            if (_ids.TryGetValue(new VectorKey(slot), out var id))
            {
                return id;
            }
            id = _count;
            _ids.Add(new VectorKey(slot), id);
            Volatile.Write(ref _count, id + 1);
            return id;
        }
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
