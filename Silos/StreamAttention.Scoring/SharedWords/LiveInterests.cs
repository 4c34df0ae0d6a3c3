using System.Numerics.Tensors;

namespace StreamAttention.Scoring.SharedWords;

/// <summary>
/// The interests (first twins, <see cref="InterestWords.SameAs"/>) that some message of a chunk reaches with its
/// prefilter cosine: p ≥ floor for at least one message. Only their words need to attend over the chunk; every
/// candidate is among them, whatever floor tightening follows. Reused across chunks; not thread-safe.
/// </summary>
public sealed class LiveInterests
{
    private readonly ReusableBuffer<float> _best = new();
    private readonly List<int> _live = [];
    private bool[] _marked = [];

    /// <summary>From <paramref name="similarity"/> ([count, interests]), the live first twins, ascending; valid until the next call.</summary>
    public IReadOnlyList<int> Of(ReadOnlySpan<float> similarity, int count, float[] floor, int[] sameAs)
    {
        var interests = sameAs.Length;
        _live.Clear();
        if (count == 0 || interests == 0)
        {
            return _live;
        }
        var best = _best.Rent(interests).Span;
        similarity[..interests].CopyTo(best);
        for (var m = 1; m < count; m++)
        {
            TensorPrimitives.Max(best, similarity.Slice(m * interests, interests), best);
        }
        if (_marked.Length < interests)
        {
            _marked = new bool[interests];
        }
        for (var i = 0; i < interests; i++)
        {
            // A NaN maximum (some message's cosine is NaN) counts as live: conservative.
            if (!(best[i] < floor[i]))
            {
                _marked[sameAs[i]] = true;
            }
        }
        for (var i = 0; i < interests; i++)
        {
            if (_marked[i])
            {
                _live.Add(i);
                _marked[i] = false;
            }
        }
        return _live;
    }
}
