using System.Runtime.InteropServices;
using System.Text;

namespace StreamAttention.Embeddings.Distilled;

/// <summary>
/// A static vector and a weight per WordPiece vocabulary id, distilled from MiniLM, and a unit vector per frequent word
/// that splits into several pieces. Rows are unit length; an id without a vector (specials, unused entries, ids past
/// the distilled limit) has a zero row and weight 0.
/// File: magic "SADT", format version, the inputs key (string), count and dimension (int32), weights, then vectors
/// (float32); the number of whole words (int32), the words (strings), then their vectors (float32).
/// </summary>
public sealed class DistilledTokenTable
{
    public const int FormatVersion = 2;
    private static ReadOnlySpan<byte> Magic => "SADT"u8;

    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _indexOfWord;

    public DistilledTokenTable(string inputsKey, float[] vectors, float[] weights, int dimension, string[] words, float[] wordVectors)
    {
        if (vectors.Length != weights.Length * dimension)
        {
            throw new ArgumentException($"{vectors.Length} values do not make {weights.Length} vectors of {dimension}.", nameof(vectors));
        }
        if (wordVectors.Length != words.Length * dimension)
        {
            throw new ArgumentException($"{wordVectors.Length} values do not make {words.Length} word vectors of {dimension}.", nameof(wordVectors));
        }
        InputsKey = inputsKey;
        Vectors = vectors;
        Weights = weights;
        Dimension = dimension;
        Words = words;
        WordVectors = wordVectors;
        _indexOfWord = WordIndex.Of(words);
    }

    /// <summary>What the table was distilled from and with (see <see cref="DistilledModelSetup"/>).</summary>
    public string InputsKey { get; }

    public float[] Vectors { get; }

    public float[] Weights { get; }

    public int Count => Weights.Length;

    /// <summary>The words (lower case) with a vector of their own, distilled whole.</summary>
    public string[] Words { get; }

    /// <summary>[words, dimension]: unit vectors of <see cref="Words"/>.</summary>
    public float[] WordVectors { get; }

    public int Dimension { get; }

    public bool HasVector(int id) => id >= 0 && id < Weights.Length && Weights[id] > 0;

    public ReadOnlySpan<float> Vector(int id) => Vectors.AsSpan(id * Dimension, Dimension);

    /// <summary>The vector of a word distilled whole (lower case), if it is one.</summary>
    public bool TryGetWordVector(ReadOnlySpan<char> word, out ReadOnlySpan<float> vector)
    {
        var found = _indexOfWord.TryGetValue(word, out var index);
        vector = found ? WordVectors.AsSpan(index * Dimension, Dimension) : default;
        return found;
    }

    public void Write(Stream stream)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(FormatVersion);
        writer.Write(InputsKey);
        writer.Write(Count);
        writer.Write(Dimension);
        writer.Write(MemoryMarshal.AsBytes(Weights.AsSpan()));
        writer.Write(MemoryMarshal.AsBytes(Vectors.AsSpan()));
        writer.Write(Words.Length);
        foreach (var word in Words)
        {
            writer.Write(word);
        }
        writer.Write(MemoryMarshal.AsBytes(WordVectors.AsSpan()));
    }

    public static DistilledTokenTable Read(Stream stream)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic) || reader.ReadInt32() != FormatVersion)
        {
            throw new InvalidDataException("Not a distilled token table of this version; delete it to have it distilled again.");
        }
        var key = reader.ReadString();
        var count = reader.ReadInt32();
        var dimension = reader.ReadInt32();
        if (count < 0 || dimension < 1)
        {
            throw new InvalidDataException($"Distilled token table header is corrupt ({count} rows of dimension {dimension}).");
        }
        var weights = new float[count];
        var vectors = new float[checked(count * dimension)];
        stream.ReadExactly(MemoryMarshal.AsBytes(weights.AsSpan()));
        stream.ReadExactly(MemoryMarshal.AsBytes(vectors.AsSpan()));
        var wordCount = reader.ReadInt32();
        if (wordCount < 0)
        {
            throw new InvalidDataException($"Distilled token table is corrupt ({wordCount} whole words).");
        }
        var words = new string[wordCount];
        for (var i = 0; i < words.Length; i++)
        {
            words[i] = reader.ReadString();
        }
        var wordVectors = new float[checked(words.Length * dimension)];
        stream.ReadExactly(MemoryMarshal.AsBytes(wordVectors.AsSpan()));
        return new DistilledTokenTable(key, vectors, weights, dimension, words, wordVectors);
    }

    /// <summary>Reads the table at <paramref name="path"/>, which must have been distilled from <paramref name="inputsKey"/>.</summary>
    public static DistilledTokenTable Load(string path, string inputsKey)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        var table = Read(stream);
        if (table.InputsKey != inputsKey)
        {
            throw new InvalidDataException($"{path} was distilled from '{table.InputsKey}', not '{inputsKey}'; delete it to have it distilled again.");
        }
        return table;
    }
}
