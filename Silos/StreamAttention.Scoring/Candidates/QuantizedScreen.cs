using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace StreamAttention.Scoring.Candidates;

/// <summary>
/// The prefilter of a few messages against every interest through <see cref="QuantizedQueries"/>: per interest the int8
/// estimate plus its error bound is tested against the floor, and only the pairs that pass get their exact float cosine
/// (the dot product of the float rows), so every pair the float GEMM keeps is kept, with a cosine within float rounding
/// of the GEMM's. Streams a quarter of the bytes of the float matrix: faster when a chunk is a few messages, where the
/// GEMM is a matrix-vector product bound by memory. Reused across chunks; not thread-safe.
/// </summary>
public sealed class QuantizedScreen
{
    private const int Group = 4;
    private readonly List<int> _live = [];

    /// <summary>
    /// Per message of the last <see cref="Run"/>, the interests whose exact cosine passed the screen (ascending) and those
    /// cosines; valid until the next call.
    /// </summary>
    public CandidateLists Passed { get; } = new();

    /// <summary>
    /// Screens <paramref name="count"/> messages (<paramref name="messages"/>, [count, d]) against every row of
    /// <paramref name="queries"/> (<paramref name="floats"/> its float rows) at <paramref name="floor"/>: returns the
    /// interests some message reaches (exact p ≥ floor, or NaN), ascending, as <c>LiveInterests</c> would from the full
    /// cosines; valid until the next call.
    /// </summary>
    public IReadOnlyList<int> Run(ReadOnlySpan<float> messages, int count, QuantizedQueries queries, ReadOnlySpan<float> floats, float[] floor)
    {
        Passed.Reset(0, count);
        _live.Clear();
        for (var first = 0; first < count; first += Group)
        {
            Screen(messages, first, Math.Min(Group, count - first), queries, floats, floor);
        }
        if (count > Group)
        {
            // Groups add their live interests one after another: merge them once, ascending and distinct.
            _live.Sort();
            var distinct = _live.Distinct().ToArray();
            _live.Clear();
            _live.AddRange(distinct);
        }
        return _live;
    }

    private void Screen(ReadOnlySpan<float> messages, int first, int size, QuantizedQueries queries, ReadOnlySpan<float> floats, float[] floor)
    {
        var dimension = queries.Dimension;
        var m0 = Message(messages, first, size, 0, dimension);
        if (size == 1)
        {
            // One message: four rows at a time, so that no lane is wasted.
            var norm = Vector128.Create(TensorPrimitives.SumOfMagnitudes(m0) * queries.ErrorPerUnit);
            for (var r = 0; r < queries.Count; r += Group)
            {
                var rows = Math.Min(Group, queries.Count - r);
                var reach = (queries.Dot4Rows(r, m0) + norm) * Four(queries.Scales, r);
                var passing = Passing(reach, Four(floor, r)) & ((1u << rows) - 1);
                for (; passing != 0; passing &= passing - 1)
                {
                    var row = r + BitOperations.TrailingZeroCount(passing);
                    if (Check(messages, first, size, 0, row, floats, floor, dimension))
                    {
                        _live.Add(row);
                    }
                }
            }
            return;
        }
        // Fewer than four messages: the last one stands in for the missing ones; their lanes are ignored.
        var m1 = Message(messages, first, size, 1, dimension);
        var m2 = Message(messages, first, size, 2, dimension);
        var m3 = Message(messages, first, size, 3, dimension);
        var norms = Vector128.Create(TensorPrimitives.SumOfMagnitudes(m0), TensorPrimitives.SumOfMagnitudes(m1),
            TensorPrimitives.SumOfMagnitudes(m2), TensorPrimitives.SumOfMagnitudes(m3)) * queries.ErrorPerUnit;
        for (var r = 0; r < queries.Count; r++)
        {
            var reach = (queries.Dot4(r, m0, m1, m2, m3) + norms) * Vector128.Create(queries.Scales[r]);
            var passing = Passing(reach, Vector128.Create(floor[r])) & ((1u << size) - 1);
            var live = false;
            for (; passing != 0; passing &= passing - 1)
            {
                live |= Check(messages, first, size, BitOperations.TrailingZeroCount(passing), r, floats, floor, dimension);
            }
            if (live)
            {
                _live.Add(r);
            }
        }
    }

    /// <summary>The lanes whose upper bound on the cosine (estimate + bound, as (q·m + ‖m‖₁·e)·s) reaches the floor; NaN passes.</summary>
    private static uint Passing(Vector128<float> reach, Vector128<float> floor) => ~Vector128.LessThan(reach, floor).ExtractMostSignificantBits();

    /// <summary>
    /// The exact cosine of a pair that passed the screen, kept where it reaches the floor (or is NaN); whether it was.
    /// </summary>
    private bool Check(ReadOnlySpan<float> messages, int first, int size, int lane, int row, ReadOnlySpan<float> floats, float[] floor, int dimension)
    {
        var cosine = TensorPrimitives.Dot(Message(messages, first, size, lane, dimension), floats.Slice(row * dimension, dimension));
        var reached = !(cosine < floor[row]);
        if (reached)
        {
            Passed.Add(first + lane, row, cosine);
        }
        return reached;
    }

    /// <summary>Four values from <paramref name="first"/>; past the end, the last value again.</summary>
    private static Vector128<float> Four(ReadOnlySpan<float> values, int first)
    {
        if (first + Group <= values.Length)
        {
            return Vector128.Create(values.Slice(first, Group));
        }
        var last = values.Length - 1;
        return Vector128.Create(values[first], values[Math.Min(first + 1, last)], values[Math.Min(first + 2, last)], values[Math.Min(first + 3, last)]);
    }

    private static ReadOnlySpan<float> Message(ReadOnlySpan<float> messages, int first, int size, int lane, int dimension)
        => messages.Slice((first + Math.Min(lane, size - 1)) * dimension, dimension);
}
