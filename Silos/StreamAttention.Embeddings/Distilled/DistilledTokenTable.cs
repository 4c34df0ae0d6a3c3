using System.Runtime.InteropServices;
using System.Text;

namespace StreamAttention.Embeddings.Distilled;

/// <summary>
/// A static vector and a weight per WordPiece vocabulary id, distilled from MiniLM. Rows are unit length; an id
/// without a vector (specials, unused entries, ids past the distilled limit) has a zero row and weight 0.
/// File: magic "SADT", format version, the inputs key (string), count and dimension (int32), weights, then vectors (float32).
/// </summary>
public sealed class DistilledTokenTable
{
    private const int FormatVersion = 1;
    private static ReadOnlySpan<byte> Magic => "SADT"u8;

    public DistilledTokenTable(string inputsKey, float[] vectors, float[] weights, int dimension)
    {
        if (vectors.Length != weights.Length * dimension)
        {
            throw new ArgumentException($"{vectors.Length} values do not make {weights.Length} vectors of {dimension}.", nameof(vectors));
        }
        InputsKey = inputsKey;
        Vectors = vectors;
        Weights = weights;
        Dimension = dimension;
    }

    /// <summary>What the table was distilled from and with (see <see cref="DistilledModelSetup"/>).</summary>
    public string InputsKey { get; }

    public float[] Vectors { get; }

    public float[] Weights { get; }

    public int Count => Weights.Length;

    public int Dimension { get; }

    public bool HasVector(int id) => id >= 0 && id < Weights.Length && Weights[id] > 0;

    public ReadOnlySpan<float> Vector(int id) => Vectors.AsSpan(id * Dimension, Dimension);

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
        return new DistilledTokenTable(key, vectors, weights, dimension);
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
