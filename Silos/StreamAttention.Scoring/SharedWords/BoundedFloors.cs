using System.Numerics.Tensors;

namespace StreamAttention.Scoring.SharedWords;

/// <summary>
/// A chunk's prefilter floors tightened by its attention bounds. A pair reaches its threshold θ only if
/// w·B + (1 − w)·p ≥ θ, with B the interest's attention bound over the chunk (<see cref="SharedWordAttention.AttentionBounds"/>;
/// a message without tokens has attention 0, hence max(B, 0)), so only if p ≥ (θ − w·max(B, 0))/(1 − w): far above the
/// floor at B = 1 for most interests. Vectorised in float, with θ lowered by a margin in score units first: it covers
/// both the few roundings here and those of the exact check after it (the score's own float operations), whatever
/// 1/(1 − w) magnifies them by, so no candidate that check keeps is lost.
/// </summary>
public static class BoundedFloors
{
    /// <summary>In score units: far above the float roundings of values of magnitude ≤ ~4 (the ulp at 4 is 4.8·10⁻⁷).</summary>
    private const float RoundingMargin = 1e-5f;

    /// <summary>
    /// Per interest, the larger of its <paramref name="floor"/> and the floor its chunk bound allows, into
    /// <paramref name="tightened"/> (as long as <paramref name="floor"/>; reused across chunks by the caller).
    /// </summary>
    public static void Write(ReadOnlySpan<float> floor, ReadOnlySpan<float> thresholds, ReadOnlySpan<float> bounds, float weight, Span<float> tightened)
    {
        var count = floor.Length;
        if (thresholds.Length < count || bounds.Length < count || tightened.Length != count)
        {
            throw new ArgumentException($"Expected {count} thresholds and bounds, and {count} floors to write.");
        }
        // A NaN bound stays NaN through Max and the arithmetic, so MaxNumber keeps the floor; so does ∞ − ∞.
        TensorPrimitives.Max(bounds[..count], 0f, tightened);
        TensorPrimitives.MultiplyAdd(tightened, -weight, thresholds[..count], tightened);
        TensorPrimitives.Subtract(tightened, RoundingMargin, tightened);
        TensorPrimitives.Multiply(tightened, 1 / (1 - weight), tightened);
        TensorPrimitives.MaxNumber(floor, tightened, tightened);
    }
}
