using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text;

namespace StreamAttention.Embeddings.Distilled;

/// <summary>
/// A linear map from MiniLM's sentence embeddings into the distilled table's space, fitted by ridge least squares on
/// words embedded by both: the table is a linear projection (centring, PCA) of MiniLM's outputs, so words pin it.
/// Fitted once per model pack (<see cref="SentenceProjectionSetup"/>) and read from the cache after that.
/// File: magic "SASP", format version, the inputs key (string), from and to (int32), then the map (float32, [from, to]).
/// </summary>
public sealed class SentenceProjection
{
    /// <summary>Ridge λ per row fitted: keeps the fit well posed where the key space has directions no word uses.</summary>
    private const double Ridge = 1e-3;

    public const int FormatVersion = 1;
    private static ReadOnlySpan<byte> Magic => "SASP"u8;

    private readonly float[] _map;

    private SentenceProjection(float[] map, int from, int to)
    {
        _map = map;
        From = from;
        To = to;
    }

    public int From { get; }

    public int To { get; }

    /// <summary>The map, [<see cref="From"/>, <see cref="To"/>].</summary>
    public ReadOnlySpan<float> Values => _map;

    /// <param name="keys">[n, from] inputs.</param>
    /// <param name="targets">[n, to] outputs.</param>
    public static SentenceProjection Fit(ReadOnlySpan<float> keys, int from, ReadOnlySpan<float> targets, int to)
    {
        var n = keys.Length / from;
        if (n == 0 || keys.Length != n * from || targets.Length != n * to)
        {
            throw new ArgumentException($"{keys.Length} key values and {targets.Length} target values do not make pairs of {from} and {to}.", nameof(targets));
        }
        var gram = new double[from, from];
        var cross = new double[from, to];
        for (var r = 0; r < n; r++)
        {
            var x = keys.Slice(r * from, from);
            var y = targets.Slice(r * to, to);
            for (var i = 0; i < from; i++)
            {
                var xi = x[i];
                if (xi == 0)
                {
                    continue;
                }
                for (var j = i; j < from; j++)
                {
                    gram[i, j] += xi * x[j];
                }
                for (var j = 0; j < to; j++)
                {
                    cross[i, j] += xi * y[j];
                }
            }
        }
        for (var i = 0; i < from; i++)
        {
            gram[i, i] += Ridge * n;
            for (var j = 0; j < i; j++)
            {
                gram[i, j] = gram[j, i];
            }
        }
        // Cholesky: gram = L Lᵀ, then L Lᵀ W = cross.
        var l = new double[from, from];
        for (var i = 0; i < from; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                var sum = gram[i, j];
                for (var k = 0; k < j; k++)
                {
                    sum -= l[i, k] * l[j, k];
                }
                l[i, j] = i == j ? Math.Sqrt(sum) : sum / l[j, j];
            }
        }
        var map = new float[from * to];
        var z = new double[from];
        for (var c = 0; c < to; c++)
        {
            for (var i = 0; i < from; i++)
            {
                var sum = cross[i, c];
                for (var k = 0; k < i; k++)
                {
                    sum -= l[i, k] * z[k];
                }
                z[i] = sum / l[i, i];
            }
            for (var i = from - 1; i >= 0; i--)
            {
                var sum = z[i];
                for (var k = i + 1; k < from; k++)
                {
                    sum -= l[k, i] * map[k * to + c];
                }
                map[i * to + c] = (float)(sum / l[i, i]);
            }
        }
        return new SentenceProjection(map, from, to);
    }

    /// <summary>The unit image of <paramref name="key"/> in <paramref name="target"/>; false (and zeros) where it is zero.</summary>
    public bool Project(ReadOnlySpan<float> key, Span<float> target)
    {
        target.Clear();
        for (var i = 0; i < From; i++)
        {
            if (key[i] != 0)
            {
                TensorPrimitives.MultiplyAdd(_map.AsSpan(i * To, To), key[i], target, target);
            }
        }
        var norm = TensorPrimitives.Norm(target);
        if (norm == 0)
        {
            return false;
        }
        TensorPrimitives.Divide(target, norm, target);
        return true;
    }

    public void Write(Stream stream, string inputsKey)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(FormatVersion);
        writer.Write(inputsKey);
        writer.Write(From);
        writer.Write(To);
        writer.Write(MemoryMarshal.AsBytes(_map.AsSpan()));
    }

    /// <summary>Reads the map at <paramref name="path"/>, which must have been fitted from <paramref name="inputsKey"/>.</summary>
    public static SentenceProjection Load(string path, string inputsKey)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic) || reader.ReadInt32() != FormatVersion)
        {
            throw new InvalidDataException($"{path} is not a sentence map of this version; delete it to have it fitted again.");
        }
        var key = reader.ReadString();
        if (key != inputsKey)
        {
            throw new InvalidDataException($"{path} was fitted from '{key}', not '{inputsKey}'; delete it to have it fitted again.");
        }
        var from = reader.ReadInt32();
        var to = reader.ReadInt32();
        if (from < 1 || to < 1 || stream.Length - stream.Position != (long)from * to * sizeof(float))
        {
            throw new InvalidDataException($"{path} is corrupt ({from} × {to} map, {stream.Length} bytes); delete it to have it fitted again.");
        }
        var map = new float[from * to];
        stream.ReadExactly(MemoryMarshal.AsBytes(map.AsSpan()));
        return new SentenceProjection(map, from, to);
    }
}
