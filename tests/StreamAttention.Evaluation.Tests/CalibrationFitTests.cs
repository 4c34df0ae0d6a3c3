using Xunit.Abstractions;

namespace StreamAttention.Evaluation.Tests;

public sealed class CalibrationFitTests(GloveScorerFixture glove, ITestOutputHelper output) : IClassFixture<GloveScorerFixture>
{
    [Fact]
    public void A_fit_increases_with_the_raw_score_and_puts_its_best_single_threshold_at_one_half()
    {
        var random = new Random(3);
        var raw = new float[12, 200];
        var relevant = new bool[12, 200];
        for (var i = 0; i < 12; i++)
        {
            // Interests on different scales: relevance depends on the score relative to the interest's own level.
            var level = 0.2f + 0.05f * i;
            for (var m = 0; m < 200; m++)
            {
                relevant[i, m] = m % 20 == i % 20;
                raw[i, m] = level + (float)(random.NextDouble() * 0.1) + (relevant[i, m] ? 0.12f : 0);
            }
        }

        var fit = CalibrationFit.Fit(raw, relevant);

        Assert.True(fit.Model.A > 0 && fit.Model.B >= 0, $"A {fit.Model.A}, B {fit.Model.B}");
        var check = Assert.Single(fit.Sets);
        Assert.Equal(check.Best.Counts.F1, check.AtHalf.F1, 6);
        Assert.True(check.AtHalf.F1 > 0.9, $"F1 {check.AtHalf.F1}: relative scores separate this data");
    }

    [Fact]
    public void A_fit_on_two_sets_puts_one_half_near_each_sets_best_single_threshold()
    {
        // Two sets whose relevant scores stand out by different amounts: their F1-optimal thresholds differ.
        LabelledScores Set(int seed, float lift)
        {
            var random = new Random(seed);
            var raw = new float[10, 300];
            var relevant = new bool[10, 300];
            for (var i = 0; i < 10; i++)
            {
                for (var m = 0; m < 300; m++)
                {
                    relevant[i, m] = m % 25 == i;
                    raw[i, m] = 0.1f + 0.02f * i + (float)(random.NextDouble() * 0.2) + (relevant[i, m] ? lift : 0);
                }
            }
            return new LabelledScores(raw, relevant);
        }

        var fit = CalibrationFit.Fit([Set(5, 0.12f), Set(6, 0.2f)]);

        Assert.Equal(2, fit.Sets.Count);
        Assert.All(fit.Sets, check => Assert.True(check.AtHalf.F1 >= 0.9 * check.Best.Counts.F1, $"F1 {check.AtHalf.F1} at 0.5, best {check.Best.Counts.F1}"));
        Assert.True(fit.Model.A > 0 && fit.Model.B >= 0, $"A {fit.Model.A}, B {fit.Model.B}");
    }

    [Fact]
    public void On_the_test_split_the_default_threshold_gives_at_least_nine_tenths_of_the_best_single_threshold_F1()
    {
        var split = EvaluationSplit.Load(Path.Combine(EvalData.EvalDirectory, EvaluationSplit.FileName));
        var messages = EvalData.Messages(EvalData.EvalDirectory).Where(m => split.Contains(EvaluationSplit.Test, m.Id)).ToList();

        var configured = RelevanceEvaluation.EmbeddingMethods(glove.Scorer, EvalData.Interests(EvalData.EvalDirectory), messages,
            RelevanceLabels.Load(Path.Combine(EvalData.EvalDirectory, "labels.jsonl")))[0];

        output.WriteLine($"F1 at the default thresholds {configured.Micro.F1:F3}, at the best single threshold {configured.BestGlobal.Counts.F1:F3}");
        Assert.True(configured.Micro.F1 >= 0.9 * configured.BestGlobal.Counts.F1,
            $"F1 {configured.Micro.F1:F3} at the default thresholds < 0.9 × {configured.BestGlobal.Counts.F1:F3}: refit with eval --split dev --fit-calibration");
    }
}
