using System.Numerics;
using System.Runtime.Intrinsics;

namespace StreamAttention.Grains.Attention;

/// <summary>
/// A user's fingerprints as the duplicate check scans them: each signature's positions cut to their values' low byte,
/// packed one fingerprint after the other in the fingerprints' order. Two signatures agree in at least as many of these
/// bytes as in their positions, so a fingerprint whose bytes agree in fewer positions than the similarity needs cannot
/// reach it: 64 contiguous bytes reject it, where its signature (an object of its own, four times larger) would be
/// read from wherever it lies. Only the rare others are compared in full (<see cref="MinHashSignature.Reaches"/>).
/// The buffer is a ring of a power-of-two number of sketches: a full window (the oldest leaves as each new one comes)
/// fills it exactly, where a buffer compacted to its front kept twice the window (16 KB more a user at 256) and copied
/// it every time the end was reached. Not persisted: <see cref="AttentionState"/> keeps it in step with its fingerprints.
/// </summary>
public sealed class FingerprintSketches
{
    private const int Length = MinHashSignature.Length;

    private byte[] _bytes = new byte[16 * Length];
    private int _first;
    private int _count;

    public int Count => _count;

    /// <summary>How many sketches the ring holds: a power of two, so a position wraps with a mask.</summary>
    private int Capacity => _bytes.Length / Length;

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
        if (_count == Capacity)
        {
            // Full: twice the room, the sketches unwrapped to its front in their order.
            var bytes = new byte[_bytes.Length * 2];
            var toEnd = (Capacity - _first) * Length;
            Array.Copy(_bytes, _first * Length, bytes, 0, toEnd);
            Array.Copy(_bytes, 0, bytes, toEnd, _first * Length);
            (_bytes, _first) = (bytes, 0);
        }
        Sketch(signature, At(_count));
        _count++;
    }

    /// <summary>Drops the first <paramref name="count"/> sketches, those of the fingerprints forgotten.</summary>
    public void RemoveFirst(int count)
    {
        _first = (_first + count) & (Capacity - 1);
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
            var stored = At(i);
            var agree = BitOperations.PopCount(Vector256.Equals(Vector256.Create(stored[..32]), low).ExtractMostSignificantBits())
                + BitOperations.PopCount(Vector256.Equals(Vector256.Create(stored[32..]), high).ExtractMostSignificantBits());
            if (agree >= needed)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>The sketch of the <paramref name="index"/>-th fingerprint.</summary>
    private Span<byte> At(int index) => _bytes.AsSpan(((_first + index) & (Capacity - 1)) * Length, Length);
}
