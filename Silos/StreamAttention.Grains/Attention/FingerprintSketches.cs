using System.Numerics;
using System.Runtime.Intrinsics;

namespace StreamAttention.Grains.Attention;

/// <summary>
/// A user's fingerprints as the duplicate check scans them: each signature's positions cut to their values' low byte,
/// packed one fingerprint after the other in the fingerprints' order. Two signatures agree in at least as many of these
/// bytes as in their positions, so a fingerprint whose bytes agree in fewer positions than the similarity needs cannot
/// reach it: 64 contiguous bytes reject it, where its signature (an object of its own, four times larger) would be
/// read from wherever it lies. Only the rare others are compared in full (<see cref="MinHashSignature.Reaches"/>).
/// Not persisted: <see cref="AttentionState"/> keeps it in step with its fingerprints.
/// </summary>
public sealed class FingerprintSketches
{
    private const int Length = MinHashSignature.Length;

    private byte[] _bytes = new byte[16 * Length];
    private int _first;
    private int _count;

    public int Count => _count;

    /// <summary>The sketch of <paramref name="signature"/>: its values' low bytes.</summary>
    public static void Sketch(uint[] signature, Span<byte> sketch)
    {
        for (var i = 0; i < Length; i++)
        {
            sketch[i] = (byte)signature[i];
        }
    }

    /// <summary>Adds the sketch of the fingerprint that now comes last.</summary>
    public void Add(uint[] signature)
    {
        if ((_first + _count + 1) * Length > _bytes.Length)
        {
            // Room at the front (forgotten fingerprints) is reused before the buffer grows.
            var bytes = _count * 2 + 1 > _bytes.Length / Length ? new byte[Math.Max(_count * 2 + 1, 16) * Length] : _bytes;
            Array.Copy(_bytes, _first * Length, bytes, 0, _count * Length);
            (_bytes, _first) = (bytes, 0);
        }
        Sketch(signature, _bytes.AsSpan((_first + _count) * Length, Length));
        _count++;
    }

    /// <summary>Drops the first <paramref name="count"/> sketches, those of the fingerprints forgotten.</summary>
    public void RemoveFirst(int count)
    {
        _first += count;
        _count -= count;
        if (_count == 0)
        {
            _first = 0;
        }
    }

    /// <summary>
    /// The first fingerprint from <paramref name="from"/> on whose sketch agrees with <paramref name="sketch"/> in at
    /// least <paramref name="needed"/> positions; -1 when none does.
    /// </summary>
    public int NextCandidate(int from, ReadOnlySpan<byte> sketch, int needed)
    {
        var (low, high) = (Vector256.Create(sketch[..32]), Vector256.Create(sketch[32..]));
        for (var i = from; i < _count; i++)
        {
            var stored = _bytes.AsSpan((_first + i) * Length, Length);
            var agree = BitOperations.PopCount(Vector256.Equals(Vector256.Create(stored[..32]), low).ExtractMostSignificantBits())
                + BitOperations.PopCount(Vector256.Equals(Vector256.Create(stored[32..]), high).ExtractMostSignificantBits());
            if (agree >= needed)
            {
                return i;
            }
        }
        return -1;
    }
}
