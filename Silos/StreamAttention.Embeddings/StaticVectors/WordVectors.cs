using System.Numerics.Tensors;

namespace StreamAttention.Embeddings.StaticVectors;

/// <summary>
/// A loaded word-vector model: words in frequency-rank order (rank = index + 1) and their vectors.
/// The vectors stay fp16 in memory: 48 MiB instead of 95 MiB for 250k words. Widening and scaling a row costs
/// ~65 ns against ~42 ns for copying a unit float32 row: 2.5 ms more per 6,000 texts (~108k tokens), a tenth of embedding them.
/// </summary>
public sealed class WordVectors
{
    private readonly string[] _words;
    private readonly Half[] _vectors;
    private readonly float[] _inverseNorms;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _indexOfWord;

    public WordVectors(string[] words, Half[] vectors, int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (vectors.Length != words.Length * dimension)
        {
            throw new ArgumentException($"{vectors.Length} vector values do not make {words.Length} vectors of {dimension}.", nameof(vectors));
        }
        _words = words;
        _vectors = vectors;
        Dimension = dimension;
        _indexOfWord = WordIndex.Of(words);
        _inverseNorms = new float[words.Length];
        Span<float> row = stackalloc float[dimension];
        for (var i = 0; i < words.Length; i++)
        {
            TensorPrimitives.ConvertToSingle(Vector(i), row);
            var norm = TensorPrimitives.Norm(row);
            _inverseNorms[i] = norm > 0 ? 1 / norm : 0;
        }
    }

    public int Count => _words.Length;

    public int Dimension { get; }

    public static WordVectors Load(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        var (words, vectors, dimension) = WordVectorFile.Read(stream);
        return new WordVectors(words, vectors, dimension);
    }

    public bool TryGetIndex(ReadOnlySpan<char> word, out int index) => _indexOfWord.TryGetValue(word, out index);

    public bool Contains(ReadOnlySpan<char> word) => _indexOfWord.ContainsKey(word);

    public string Word(int index) => _words[index];

    /// <summary>1 for the most frequent word.</summary>
    public static int Rank(int index) => index + 1;

    /// <summary>The stored (not normalized) vector.</summary>
    public ReadOnlySpan<Half> Vector(int index) => _vectors.AsSpan(index * Dimension, Dimension);

    /// <summary>Writes the word's vector scaled to unit length (zeros for a zero vector).</summary>
    public void CopyUnitVector(int index, Span<float> destination)
    {
        TensorPrimitives.ConvertToSingle(Vector(index), destination);
        TensorPrimitives.Multiply(destination, _inverseNorms[index], destination);
    }
}
