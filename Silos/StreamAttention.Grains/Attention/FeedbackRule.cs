using System.Numerics.Tensors;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Grains.Attention;

/// <summary>
/// How 👍 / 👎 on a match moves its interest. Each 👎 raises the interest's threshold by <see cref="Step"/> and keeps
/// the message's pooled vector as a "not like this" example (the last <see cref="MaxExamples"/>); each 👍 lowers the
/// threshold by <see cref="Step"/> and forgets the examples like the liked message. The offset stays within
/// ±<see cref="MaxOffset"/>, and the threshold never leaves [<see cref="Floor"/>, <see cref="Ceiling"/>] (or the
/// interest's own threshold, when that lies outside): the offset itself stops where the threshold does, so the first
/// opposite vote always moves it back. Offsets are whole steps (no float drift: ten 👎 on 0.5 is 0.6). A message whose
/// pooled cosine to an example exceeds <see cref="SimilarFrom"/> loses up to <see cref="MaxPenalty"/> of its score, in
/// proportion to how far above it lies; one at least <see cref="SameFrom"/> close to an example is the message the person
/// said no to again (another host, another count) and scores 0, whatever its score was: scores near 1 are common, and
/// no threshold offset or partial penalty would keep it from the person.
/// </summary>
public static class FeedbackRule
{
    public const float Step = 0.01f;
    public const float MaxOffset = 0.1f;
    public const float Floor = 0.3f;
    public const float Ceiling = 0.95f;
    public const int MaxExamples = 5;
    public const float SimilarFrom = 0.8f;
    public const float MaxPenalty = 0.15f;
    public const float SameFrom = 0.95f;

    /// <param name="threshold">The interest's own (or the default) threshold, which the offset moves.</param>
    public static void Apply(FeedbackState feedback, bool relevant, float[] pooled, float threshold)
    {
        // The offsets that keep the threshold within its bounds.
        var (low, high) = Bounds(threshold);
        var (lowest, highest) = (Math.Max(-MaxOffset, low - threshold), Math.Min(MaxOffset, high - threshold));
        if (relevant)
        {
            feedback.Relevant++;
            feedback.Offset = Math.Clamp(MathF.Round(feedback.Offset - Step, 2), lowest, highest);
            feedback.NotLikeThis.RemoveAll(example => Cosine(example, pooled) > SimilarFrom);
        }
        else
        {
            feedback.NotRelevant++;
            feedback.Offset = Math.Clamp(MathF.Round(feedback.Offset + Step, 2), lowest, highest);
            feedback.NotLikeThis.Add(pooled);
            if (feedback.NotLikeThis.Count > MaxExamples)
            {
                feedback.NotLikeThis.RemoveAt(0);
            }
        }
    }

    /// <summary>The threshold scoring uses for an interest whose own (or default) threshold is <paramref name="threshold"/>.</summary>
    public static float Threshold(float threshold, FeedbackState? feedback)
    {
        if (feedback is null)
        {
            return threshold;
        }
        var (low, high) = Bounds(threshold);
        return Math.Clamp(threshold + feedback.Offset, low, high);
    }

    /// <summary>Where feedback may move a threshold: the floor and the ceiling, widened to the interest's own threshold.</summary>
    private static (float Low, float High) Bounds(float threshold) => (Math.Min(threshold, Floor), Math.Max(threshold, Ceiling));

    /// <summary>The score of a message with pooled vector <paramref name="pooled"/> for the interest after its "not like this" examples.</summary>
    public static float Penalized(float score, FeedbackState? feedback, float[] pooled)
    {
        if (feedback is null || feedback.NotLikeThis.Count == 0)
        {
            return score;
        }
        var closest = feedback.NotLikeThis.Max(example => Cosine(example, pooled));
        return closest >= SameFrom ? 0
            : closest <= SimilarFrom ? score
            : score - (MaxPenalty * (closest - SimilarFrom) / (1 - SimilarFrom));
    }

    public static InterestFeedback Describe(string interestId, float threshold, FeedbackState feedback)
        => new(interestId, Threshold(threshold, feedback), feedback.Offset, feedback.NotLikeThis.Count, feedback.Relevant, feedback.NotRelevant);

    /// <summary>Pooled vectors are unit length (or all zeros), so the dot product is the cosine.</summary>
    private static float Cosine(float[] a, float[] b) => a.Length == b.Length ? TensorPrimitives.Dot(a, b) : 0;
}
