using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace StreamAttention.Scoring.Candidates;

/// <summary>
/// The prefilter of a few messages against every interest through <see cref="QuantizedQueries"/>: per pair the int8
/// estimate e and its error bound b give an interval [e − b, e + b] that holds the exact float cosine (the dot product
/// of the float rows). <see cref="Run"/> finds the interests some message reaches at the floor: a pair whose interval
/// lies above the floor reaches it, one below it does not, and only a pair whose interval holds the floor gets its
/// exact cosine there. <see cref="Candidates"/> then gives the pairs at a tightened floor with exact cosines, computing
/// only those of the pairs whose interval reaches that floor: most pairs above the first floor fall under the
/// tightened one, and their exact cosines (a float row each, four times the int8 row's bytes) are never read. So every
/// pair the float GEMM keeps is kept, with a cosine within float rounding of the GEMM's. Streams a quarter of the
/// bytes of the float matrix: faster when a chunk is a few messages, where the GEMM is a matrix-vector product bound
/// by memory. Reused across chunks; not thread-safe.
/// </summary>
public sealed class QuantizedScreen
{
    private const int Group = 4;
    private readonly List<int> _live = [];
    /// <summary>
    /// Per message of the last <see cref="Run"/>, every pair that may reach its floor, ascending by interest: an
    /// interest i with its exact cosine, or ~i (negative) with its interval's upper end where the exact cosine was not
    /// needed yet.
    /// </summary>
    private readonly CandidateLists _pairs = new();
    private ReadOnlyMemory<float> _messages;
    private ReadOnlyMemory<float> _floats;
    private int _dimension;

    /// <summary>How many exact cosines the last <see cref="Run"/> and the <see cref="Candidates"/> after it computed.</summary>
    public int ExactCosines { get; private set; }

    /// <summary>
    /// Screens <paramref name="count"/> messages (<paramref name="messages"/>, [count, d]) against every row of
    /// <paramref name="queries"/> (<paramref name="floats"/> its float rows) at <paramref name="floor"/>: returns the
    /// interests some message reaches (exact p ≥ floor, or NaN), ascending, as <c>LiveInterests</c> would from the full
    /// cosines; valid until the next call. Both matrices must stay unchanged until the last <see cref="Candidates"/>.
    /// </summary>
    public IReadOnlyList<int> Run(ReadOnlyMemory<float> messages, int count, QuantizedQueries queries, ReadOnlyMemory<float> floats, float[] floor)
    {
        (_messages, _floats, _dimension) = (messages, floats, queries.Dimension);
        ExactCosines = 0;
        _pairs.Reset(0, count);
        _live.Clear();
        for (var first = 0; first < count; first += Group)
        {
            Screen(first, Math.Min(Group, count - first), queries, floor);
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

    /// <summary>
    /// Adds to <paramref name="output"/>, per message of the last <see cref="Run"/>, the interests whose exact cosine
    /// reaches <paramref name="floor"/>, ascending, with those cosines: as the float path's candidates, a NaN cosine is
    /// live but no candidate. <paramref name="floor"/> is at least the run's floor for every interest (a pair under
    /// the run's floor is not kept).
    /// </summary>
    public void Candidates(float[] floor, CandidateLists output)
    {
        for (var m = 0; m < _pairs.Count; m++)
        {
            var interests = _pairs.Interests(m);
            var values = _pairs.Prefilter(m);
            for (var k = 0; k < interests.Length; k++)
            {
                var (interest, cosine) = (interests[k], values[k]);
                if (interest < 0)
                {
                    interest = ~interest;
                    if (cosine < floor[interest])
                    {
                        continue; // the interval's upper end is under the floor
                    }
                    cosine = Cosine(m, 1, 0, interest);
                }
                if (cosine >= floor[interest])
                {
                    output.Add(m, interest, cosine);
                }
            }
        }
    }

    private void Screen(int first, int size, QuantizedQueries queries, float[] floor)
    {
        var m0 = Message(first, size, 0);
        if (size == 1)
        {
            // One message: four rows at a time, so that no lane is wasted.
            var norm = Vector128.Create(TensorPrimitives.SumOfMagnitudes(m0) * queries.ErrorPerUnit);
            for (var r = 0; r < queries.Count; r += Group)
            {
                var rows = Math.Min(Group, queries.Count - r);
                var (dot, scales, floors) = (queries.Dot4Rows(r, m0), Four(queries.Scales, r), Four(floor, r));
                var upper = (dot + norm) * scales;
                var passing = Passing(upper, floors) & ((1u << rows) - 1);
                var sure = Reaching((dot - norm) * scales, floors);
                for (; passing != 0; passing &= passing - 1)
                {
                    var lane = BitOperations.TrailingZeroCount(passing);
                    var row = r + lane;
                    if (((sure >> lane) & 1) != 0)
                    {
                        _pairs.Add(first, ~row, upper[lane]);
                        _live.Add(row);
                    }
                    else if (Check(first, size, 0, row, floor))
                    {
                        _live.Add(row);
                    }
                }
            }
            return;
        }
        // Fewer than four messages: the last one stands in for the missing ones; their lanes are ignored.
        var m1 = Message(first, size, 1);
        var m2 = Message(first, size, 2);
        var m3 = Message(first, size, 3);
        var norms = Vector128.Create(TensorPrimitives.SumOfMagnitudes(m0), TensorPrimitives.SumOfMagnitudes(m1),
            TensorPrimitives.SumOfMagnitudes(m2), TensorPrimitives.SumOfMagnitudes(m3)) * queries.ErrorPerUnit;
        var lanes = (1u << size) - 1;
        for (var r = 0; r < queries.Count; r++)
        {
            var (dot, scale, rowFloor) = (queries.Dot4(r, m0, m1, m2, m3), Vector128.Create(queries.Scales[r]), Vector128.Create(floor[r]));
            var upper = (dot + norms) * scale;
            var passing = Passing(upper, rowFloor) & lanes;
            var sure = Reaching((dot - norms) * scale, rowFloor);
            var live = (sure & passing) != 0;
            for (; passing != 0; passing &= passing - 1)
            {
                var lane = BitOperations.TrailingZeroCount(passing);
                // Once the interest is live, its other pairs wait for the tightened floor.
                if (live)
                {
                    _pairs.Add(first + lane, ~r, upper[lane]);
                }
                else
                {
                    live = Check(first, size, lane, r, floor);
                }
            }
            if (live)
            {
                _live.Add(r);
            }
        }
    }

    /// <summary>The lanes whose interval's upper end (estimate + bound, as (q·m + ‖m‖₁·e)·s) reaches the floor; NaN passes.</summary>
    private static uint Passing(Vector128<float> upper, Vector128<float> floor) => ~Vector128.LessThan(upper, floor).ExtractMostSignificantBits();

    /// <summary>The lanes whose interval's lower end ((q·m − ‖m‖₁·e)·s) reaches the floor, so the exact cosine does too; NaN does not.</summary>
    private static uint Reaching(Vector128<float> lower, Vector128<float> floor) => Vector128.GreaterThanOrEqual(lower, floor).ExtractMostSignificantBits();

    /// <summary>
    /// The exact cosine of a pair whose interval holds the floor, kept where it reaches the floor (or is NaN); whether it was.
    /// </summary>
    private bool Check(int first, int size, int lane, int row, float[] floor)
    {
        var cosine = Cosine(first, size, lane, row);
        var reached = !(cosine < floor[row]);
        if (reached)
        {
            _pairs.Add(first + lane, row, cosine);
        }
        return reached;
    }

    private float Cosine(int first, int size, int lane, int row)
    {
        ExactCosines++;
        return TensorPrimitives.Dot(Message(first, size, lane), _floats.Span.Slice(row * _dimension, _dimension));
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

    private ReadOnlySpan<float> Message(int first, int size, int lane)
        => _messages.Span.Slice((first + Math.Min(lane, size - 1)) * _dimension, _dimension);
}
