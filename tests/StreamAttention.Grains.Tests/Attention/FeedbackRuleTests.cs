using StreamAttention.Grains.Attention;

namespace StreamAttention.Grains.Tests.Attention;

public sealed class FeedbackRuleTests
{
    private static readonly float[] Liked = Unit(1, 0, 0);
    private static readonly float[] Disliked = Unit(0, 1, 0);

    [Fact]
    public void Ten_thumbs_down_raise_the_threshold_in_bounded_steps_and_thumbs_up_lower_it_to_the_bound()
    {
        var feedback = new FeedbackState();
        var thresholds = new List<float>();
        for (var i = 0; i < 12; i++)
        {
            FeedbackRule.Apply(feedback, relevant: false, Disliked, 0.7f);
            thresholds.Add(FeedbackRule.Threshold(0.7f, feedback));
        }
        Assert.All(thresholds.Zip(thresholds.Skip(1)), p => Assert.InRange(p.Second - p.First, 0, FeedbackRule.Step + 1e-6f));
        AssertClose(0.7f + FeedbackRule.MaxOffset, thresholds[9]);
        AssertClose(thresholds[9], thresholds[11]);
        Assert.Equal(FeedbackRule.MaxExamples, feedback.NotLikeThis.Count);

        for (var i = 0; i < 30; i++)
        {
            FeedbackRule.Apply(feedback, relevant: true, Liked, 0.7f);
        }
        AssertClose(0.7f - FeedbackRule.MaxOffset, FeedbackRule.Threshold(0.7f, feedback));
    }

    [Fact]
    public void The_threshold_stays_within_the_floor_and_the_ceiling()
    {
        var down = new FeedbackState { Offset = -FeedbackRule.MaxOffset };
        var up = new FeedbackState { Offset = FeedbackRule.MaxOffset };
        Assert.Equal(FeedbackRule.Floor, FeedbackRule.Threshold(0.35f, down));
        Assert.Equal(FeedbackRule.Ceiling, FeedbackRule.Threshold(0.9f, up));
        // An interest's own threshold outside the bounds is never moved further out.
        Assert.Equal(0.2f, FeedbackRule.Threshold(0.2f, down));
    }

    [Theory]
    [InlineData(0.92f, false)]
    [InlineData(0.35f, true)]
    public void The_offset_stops_where_the_threshold_does_so_the_first_opposite_vote_moves_it_back(float threshold, bool relevant)
    {
        var feedback = new FeedbackState();
        for (var i = 0; i < 8; i++)
        {
            FeedbackRule.Apply(feedback, relevant, Disliked, threshold);
        }
        var bound = relevant ? FeedbackRule.Floor : FeedbackRule.Ceiling;
        AssertClose(bound, FeedbackRule.Threshold(threshold, feedback));
        AssertClose(bound - threshold, feedback.Offset);

        FeedbackRule.Apply(feedback, !relevant, Disliked, threshold);

        AssertClose(bound + (relevant ? FeedbackRule.Step : -FeedbackRule.Step), FeedbackRule.Threshold(threshold, feedback));
    }

    [Fact]
    public void Ten_thumbs_down_on_half_is_six_tenths_as_the_readme_says()
    {
        var feedback = new FeedbackState();
        for (var i = 0; i < 10; i++)
        {
            FeedbackRule.Apply(feedback, relevant: false, Disliked, 0.5f);
        }
        Assert.Equal((0.1f, 0.6f), (feedback.Offset, FeedbackRule.Threshold(0.5f, feedback)));
    }

    [Fact]
    public void Not_like_this_examples_lower_similar_messages_drop_the_same_message_and_thumbs_up_forgets_them()
    {
        var feedback = new FeedbackState();
        FeedbackRule.Apply(feedback, relevant: false, Disliked, 0.7f);

        Assert.Equal(0, FeedbackRule.Penalized(0.99f, feedback, Disliked));
        // Cosine 0.958 to the example: the same message again (another host, another count).
        Assert.Equal(0, FeedbackRule.Penalized(0.99f, feedback, Unit(0.3f, 1, 0)));
        // Cosine 0.894: a similar one, 0.07 lower.
        AssertClose(0.99f - (FeedbackRule.MaxPenalty * (0.894427f - FeedbackRule.SimilarFrom) / (1 - FeedbackRule.SimilarFrom)),
            FeedbackRule.Penalized(0.99f, feedback, Unit(0.5f, 1, 0)));
        Assert.Equal(0.99f, FeedbackRule.Penalized(0.99f, feedback, Liked));

        FeedbackRule.Apply(feedback, relevant: true, Disliked, 0.7f);
        Assert.Equal(0.99f, FeedbackRule.Penalized(0.99f, feedback, Disliked));
    }

    private static void AssertClose(float expected, float actual) => Assert.InRange(actual, expected - 1e-5f, expected + 1e-5f);

    private static float[] Unit(params float[] v)
    {
        var norm = MathF.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / norm).ToArray();
    }
}
