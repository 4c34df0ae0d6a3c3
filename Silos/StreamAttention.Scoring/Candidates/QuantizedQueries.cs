using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StreamAttention.Scoring.Candidates;

/// <summary>
/// An int8 copy of a [count, dimension] float matrix, one symmetric scale per row (s = max|v| / 127, q = round(v / s)):
/// a quarter of the bytes to stream for a dot product with every row. |v·m − s·(q·m)| ≤ (s / 2)·‖m‖₁ since each
/// |v_i − s·q_i| ≤ s / 2; <see cref="ErrorPerUnit"/> adds the float rounding of both dot products. A row with a
/// non-finite value, or values so small that s is subnormal, gets a NaN scale, so its estimate and bound are NaN and
/// no test drops it. Immutable.
/// </summary>
public sealed class QuantizedQueries
{
    /// <summary>
    /// The bound per unit of s·‖m‖₁: 1/2 from rounding to int8, plus float rounding of the estimate q·m (|q_i| ≤ 127,
    /// so at most 127·γ_d·‖m‖₁ with γ_d ≈ d·2⁻²⁴ for any summation order), of the exact float dot product it stands
    /// for (|v_i| ≤ 127·s, the same term), and of ‖m‖₁, the scale and the sums: taken as 512·(d + 4)·2⁻²⁴, 0.4 % of
    /// the bound at d = 128, so the bound holds with room against every summation order.
    /// </summary>
    public float ErrorPerUnit { get; }

    private readonly sbyte[] _values;
    private readonly float[] _scales;

    private QuantizedQueries(sbyte[] values, float[] scales, int dimension)
    {
        (_values, _scales, Dimension) = (values, scales, dimension);
        ErrorPerUnit = 0.5f + 512f * (dimension + 4) / (1 << 24);
    }

    public int Count => _scales.Length;

    public int Dimension { get; }

    /// <summary>What the copy holds: <see cref="Dimension"/> bytes and one float per row.</summary>
    public long Bytes => _values.Length + (long)sizeof(float) * _scales.Length;

    /// <summary>Quantizes <paramref name="rows"/> ([count, dimension]) row by row.</summary>
    public static QuantizedQueries Of(ReadOnlySpan<float> rows, int count, int dimension)
    {
        var values = new sbyte[count * dimension];
        var scales = new float[count];
        for (var r = 0; r < count; r++)
        {
            var row = rows.Slice(r * dimension, dimension);
            var largest = TensorPrimitives.MaxMagnitude(row);
            if (largest == 0)
            {
                continue; // scale 0, values 0: the estimate and the bound are 0, as the cosine is
            }
            var scale = Math.Abs(largest) / 127f;
            // A non-finite or subnormal scale has no relative rounding bound: NaN, so that the row is always checked exactly.
            if (!float.IsNormal(scale))
            {
                scales[r] = float.NaN;
                continue;
            }
            scales[r] = scale;
            var quantized = values.AsSpan(r * dimension, dimension);
            for (var i = 0; i < dimension; i++)
            {
                // |v / s| ≤ 127 up to one rounding of the division: the clamp keeps it in range without moving it by more.
                quantized[i] = (sbyte)Math.Clamp(MathF.Round(row[i] / scale), -127f, 127f);
            }
        }
        return new QuantizedQueries(values, scales, dimension);
    }

    /// <summary>[Count]: each row's scale s.</summary>
    public ReadOnlySpan<float> Scales => _scales;

    /// <summary>
    /// The int8 dot products q·m of the four rows from <paramref name="first"/> (rows past the end repeat the last row)
    /// with one message vector: the message is read once for all four, and the four sums are independent.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Dot4Rows(int first, ReadOnlySpan<float> message)
    {
        var dimension = Dimension;
        var last = Count - 1;
        ref var values = ref MemoryMarshal.GetArrayDataReference(_values);
        ref var q0 = ref Unsafe.Add(ref values, first * dimension);
        ref var q1 = ref Unsafe.Add(ref values, Math.Min(first + 1, last) * dimension);
        ref var q2 = ref Unsafe.Add(ref values, Math.Min(first + 2, last) * dimension);
        ref var q3 = ref Unsafe.Add(ref values, Math.Min(first + 3, last) * dimension);
        var (a0, a1, a2, a3) = (Vector256<float>.Zero, Vector256<float>.Zero, Vector256<float>.Zero, Vector256<float>.Zero);
        var i = 0;
        if (Avx2.IsSupported && Fma.IsSupported)
        {
            ref var m = ref MemoryMarshal.GetReference(message);
            for (; i + Vector256<float>.Count <= dimension; i += Vector256<float>.Count)
            {
                var eight = Vector256.LoadUnsafe(ref m, (nuint)i);
                a0 = Fma.MultiplyAdd(Widen(ref q0, i), eight, a0);
                a1 = Fma.MultiplyAdd(Widen(ref q1, i), eight, a1);
                a2 = Fma.MultiplyAdd(Widen(ref q2, i), eight, a2);
                a3 = Fma.MultiplyAdd(Widen(ref q3, i), eight, a3);
            }
        }
        var (s0, s1, s2, s3) = (Vector256.Sum(a0), Vector256.Sum(a1), Vector256.Sum(a2), Vector256.Sum(a3));
        for (; i < dimension; i++)
        {
            var value = message[i];
            (s0, s1, s2, s3) = (s0 + Unsafe.Add(ref q0, i) * value, s1 + Unsafe.Add(ref q1, i) * value, s2 + Unsafe.Add(ref q2, i) * value, s3 + Unsafe.Add(ref q3, i) * value);
        }
        return Vector128.Create(s0, s1, s2, s3);
    }

    /// <summary>
    /// The int8 dot products q·m of <paramref name="row"/> with four message vectors at once (pass the same vector twice
    /// for fewer): the row is widened to floats once for all four. Multiply by the row's scale for the estimate.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Dot4(int row, ReadOnlySpan<float> m0, ReadOnlySpan<float> m1, ReadOnlySpan<float> m2, ReadOnlySpan<float> m3)
    {
        var dimension = Dimension;
        ref var q = ref MemoryMarshal.GetArrayDataReference(_values);
        q = ref Unsafe.Add(ref q, row * dimension);
        var (a0, a1, a2, a3) = (Vector256<float>.Zero, Vector256<float>.Zero, Vector256<float>.Zero, Vector256<float>.Zero);
        var i = 0;
        if (Avx2.IsSupported && Fma.IsSupported)
        {
            ref var r0 = ref MemoryMarshal.GetReference(m0);
            ref var r1 = ref MemoryMarshal.GetReference(m1);
            ref var r2 = ref MemoryMarshal.GetReference(m2);
            ref var r3 = ref MemoryMarshal.GetReference(m3);
            for (; i + Vector256<float>.Count <= dimension; i += Vector256<float>.Count)
            {
                var widened = Widen(ref q, i);
                a0 = Fma.MultiplyAdd(widened, Vector256.LoadUnsafe(ref r0, (nuint)i), a0);
                a1 = Fma.MultiplyAdd(widened, Vector256.LoadUnsafe(ref r1, (nuint)i), a1);
                a2 = Fma.MultiplyAdd(widened, Vector256.LoadUnsafe(ref r2, (nuint)i), a2);
                a3 = Fma.MultiplyAdd(widened, Vector256.LoadUnsafe(ref r3, (nuint)i), a3);
            }
        }
        var (s0, s1, s2, s3) = (Vector256.Sum(a0), Vector256.Sum(a1), Vector256.Sum(a2), Vector256.Sum(a3));
        for (; i < dimension; i++)
        {
            float value = Unsafe.Add(ref q, i);
            (s0, s1, s2, s3) = (s0 + value * m0[i], s1 + value * m1[i], s2 + value * m2[i], s3 + value * m3[i]);
        }
        return Vector128.Create(s0, s1, s2, s3);
    }

    /// <summary>Eight int8 values from <paramref name="offset"/> as floats (AVX2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Widen(ref sbyte row, int offset)
    {
        var eight = Vector128.CreateScalar(Unsafe.ReadUnaligned<long>(ref Unsafe.As<sbyte, byte>(ref Unsafe.Add(ref row, offset)))).AsSByte();
        return Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(eight));
    }
}
