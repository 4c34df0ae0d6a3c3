using System.Numerics.Tensors;

namespace StreamAttention.Scoring.SharedWords;

/// <summary>
/// The interests that some message of a chunk reaches with its prefilter cosine: p ≥ floor for at least one message.
/// Only their words need to attend over the chunk; every candidate is among them, whatever floor tightening follows.
/// Reused across chunks; not thread-safe.
/// </summary>
public sealed class LiveInterests
{
    private readonly ReusableBuffer<float> _best = new();
    private readonly List<int> _live = [];

    /// <summary>From <paramref name="similarity"/> ([count, interests]), the live interests, ascending; valid until the next call.</summary>
    public IReadOnlyList<int> Of(ReadOnlySpan<float> similarity, int count, float[] floor)
    {
        var interests = floor.Length;
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
        for (var i = 0; i < interests; i++)
        {
            // A NaN maximum (some message's cosine is NaN) counts as live: conservative.
            if (!(best[i] < floor[i]))
            {
                _live.Add(i);
            }
        }
        return _live;
    }
}
