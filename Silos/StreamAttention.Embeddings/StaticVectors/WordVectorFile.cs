using System.Runtime.InteropServices;
using System.Text;

namespace StreamAttention.Embeddings.StaticVectors;

/// <summary>
/// The compact model file: magic "SAWV", format version, word count and dimension (int32 each), the words in
/// frequency-rank order (UTF-8, 7-bit-encoded length prefix as <see cref="BinaryWriter"/> writes strings),
/// then the vectors row by row as little-endian fp16.
/// </summary>
internal static class WordVectorFile
{
    private const int FormatVersion = 1;
    private static ReadOnlySpan<byte> Magic => "SAWV"u8;

    public static void Write(Stream stream, IReadOnlyList<string> words, ReadOnlySpan<Half> vectors, int dimension)
    {
        EnsureLittleEndian();
        if (vectors.Length != words.Count * dimension)
        {
            throw new ArgumentException($"{vectors.Length} vector values do not make {words.Count} vectors of {dimension}.", nameof(vectors));
        }
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(FormatVersion);
        writer.Write(words.Count);
        writer.Write(dimension);
        foreach (var word in words)
        {
            writer.Write(word);
        }
        writer.Write(MemoryMarshal.AsBytes(vectors));
    }

    public static (string[] Words, Half[] Vectors, int Dimension) Read(Stream stream)
    {
        EnsureLittleEndian();
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
        {
            throw new InvalidDataException("Not a word-vector file (bad magic).");
        }
        var version = reader.ReadInt32();
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"Word-vector file format {version} is not supported (expected {FormatVersion}); delete it to have it converted again.");
        }
        var count = reader.ReadInt32();
        var dimension = reader.ReadInt32();
        if (count < 0 || dimension < 1)
        {
            throw new InvalidDataException($"Word-vector file header is corrupt ({count} words of dimension {dimension}).");
        }
        var words = new string[count];
        for (var i = 0; i < count; i++)
        {
            words[i] = reader.ReadString();
        }
        var vectors = new Half[checked(count * dimension)];
        stream.ReadExactly(MemoryMarshal.AsBytes(vectors.AsSpan()));
        if (stream.CanSeek && stream.Position != stream.Length)
        {
            throw new InvalidDataException("Word-vector file has trailing bytes.");
        }
        return (words, vectors, dimension);
    }

    private static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("The word-vector file is read and written on little-endian machines only.");
        }
    }
}
