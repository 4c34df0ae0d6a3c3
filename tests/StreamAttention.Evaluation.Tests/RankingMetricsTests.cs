namespace StreamAttention.Evaluation.Tests;

public sealed class RankingMetricsTests
{
    [Fact]
    public void Average_precision_averages_precision_at_each_relevant_rank()
    {
        // Relevant at ranks 1 and 3: (1/1 + 2/3) / 2.
        var ap = RankingMetrics.AveragePrecision([0.9f, 0.8f, 0.7f, 0.6f, 0.5f], [true, false, true, false, false]);

        Assert.Equal(5.0 / 6, ap!.Value, 9);
    }

    [Fact]
    public void Average_precision_ranks_by_score_not_by_position()
    {
        // Ranking: 0.9 (relevant), 0.8, 0.4 (relevant), 0.2 (relevant): (1/1 + 2/3 + 3/4) / 3.
        var ap = RankingMetrics.AveragePrecision([0.2f, 0.8f, 0.9f, 0.4f], [true, false, true, true]);

        Assert.Equal((1 + 2.0 / 3 + 3.0 / 4) / 3, ap!.Value, 9);
    }

    [Fact]
    public void Ties_rank_irrelevant_messages_first()
    {
        // Three messages tie at 0.5; pessimistically the two irrelevant ones come first, so the relevant
        // ones land on ranks 3 and 4: (1/3 + 2/4) / 2 = 5/12, whatever the input order.
        float[] scores = [0.5f, 0.5f, 0.5f, 0.1f];
        var ap = RankingMetrics.AveragePrecision(scores, [true, false, false, true]);
        var reordered = RankingMetrics.AveragePrecision(scores, [false, false, true, true]);

        Assert.Equal(5.0 / 12, ap!.Value, 9);
        Assert.Equal(ap, reordered);
    }

    [Fact]
    public void Giving_every_message_the_same_score_earns_the_worst_ranking()
    {
        var ap = RankingMetrics.AveragePrecision([0f, 0f, 0f, 0f], [true, false, false, false]);

        Assert.Equal(0.25, ap!.Value, 9);
    }

    [Fact]
    public void Average_precision_is_undefined_without_relevant_messages()
    {
        Assert.Null(RankingMetrics.AveragePrecision([0.9f, 0.1f], [false, false]));
    }

    [Fact]
    public void Rejects_nan_and_mismatched_lengths()
    {
        Assert.Throws<ArgumentException>(() => RankingMetrics.AveragePrecision([float.NaN], [true]));
        Assert.Throws<ArgumentException>(() => RankingMetrics.Count([0.5f, 0.2f], [true], 0.3f));
    }

    [Fact]
    public void Count_includes_scores_equal_to_the_threshold()
    {
        var counts = RankingMetrics.Count([0.9f, 0.5f, 0.5f, 0.2f], [true, false, true, true], 0.5f);

        Assert.Equal(new Confusion(TruePositives: 2, FalsePositives: 1, FalseNegatives: 1), counts);
        Assert.Equal(2.0 / 3, counts.Precision, 9);
        Assert.Equal(2.0 / 3, counts.Recall, 9);
        Assert.Equal(2.0 / 3, counts.F1, 9);
    }

    [Fact]
    public void F1_is_the_harmonic_mean_of_precision_and_recall()
    {
        // P = 1/4, R = 1/2: 2PR / (P + R) = 1/3.
        var counts = new Confusion(TruePositives: 1, FalsePositives: 3, FalseNegatives: 1);

        Assert.Equal(0.25, counts.Precision, 9);
        Assert.Equal(0.5, counts.Recall, 9);
        Assert.Equal(1.0 / 3, counts.F1, 9);
    }

    [Fact]
    public void Predicting_nothing_scores_zero_rather_than_undefined()
    {
        var counts = new Confusion(TruePositives: 0, FalsePositives: 0, FalseNegatives: 3);

        Assert.Equal(0, counts.Precision);
        Assert.Equal(0, counts.Recall);
        Assert.Equal(0, counts.F1);
    }

    [Fact]
    public void Confusions_add_up_for_micro_averaging()
    {
        Assert.Equal(new Confusion(3, 5, 7), new Confusion(1, 2, 3) + new Confusion(2, 3, 4));
    }

    [Fact]
    public void Best_threshold_maximises_f1()
    {
        // Thresholds 0.9, 0.8, 0.7, 0.6 give F1 2/3, 1/2, 4/5, 2/3.
        var best = RankingMetrics.BestF1Threshold([0.9f, 0.8f, 0.7f, 0.6f], [true, false, true, false]);

        Assert.Equal(0.7f, best.Threshold);
        Assert.Equal(new Confusion(2, 1, 0), best.Counts);
        Assert.Equal(0.8, best.Counts.F1, 9);
    }

    [Fact]
    public void Best_threshold_prefers_the_higher_of_equally_good_thresholds()
    {
        // 0.9 and 0.6 both give F1 2/3; the higher one sends fewer alerts.
        var best = RankingMetrics.BestF1Threshold([0.9f, 0.8f, 0.7f, 0.6f], [true, false, false, true]);

        Assert.Equal(0.9f, best.Threshold);
    }

    [Fact]
    public void Best_threshold_cannot_split_tied_scores()
    {
        // Any threshold that admits one 0.5 admits both, so the irrelevant one is always counted with the relevant one.
        var best = RankingMetrics.BestF1Threshold([0.9f, 0.5f, 0.5f], [true, true, false]);

        Assert.Equal(0.5f, best.Threshold);
        Assert.Equal(new Confusion(2, 1, 0), best.Counts);
    }

    [Fact]
    public void Best_threshold_without_relevant_messages_is_above_every_score()
    {
        float[] scores = [0.3f, 0.7f];
        var best = RankingMetrics.BestF1Threshold(scores, [false, false]);

        Assert.True(best.Threshold > 0.7f);
        Assert.Equal(new Confusion(0, 0, 0), RankingMetrics.Count(scores, [false, false], best.Threshold));
    }
}
