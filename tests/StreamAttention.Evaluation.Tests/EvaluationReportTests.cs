namespace StreamAttention.Evaluation.Tests;

public sealed class EvaluationReportTests
{
    private static readonly string[] Interests = ["a", "b"];
    private static readonly string[] Messages = ["m1", "m2", "m3"];
    private static readonly float[] Thresholds = [0.5f, 0.5f];

    // Nothing is relevant to "b": it is left out of MAP and macro-F1, but its alerts still count as false positives.
    private static readonly RelevanceLabels Labels = RelevanceLabels.Parse(new StringReader("""
        {"id": "m1", "relevant": ["a"]}
        {"id": "m2", "relevant": []}
        {"id": "m3", "relevant": ["a"]}
        """));

    [Fact]
    public void Evaluate_combines_ranking_and_threshold_metrics()
    {
        var result = EvaluationReport.Evaluate("cross-attention", Interests, Messages, CrossAttentionScores(), Labels, Thresholds);

        // a: ranking m1 (relevant), m2, m3 (relevant) gives AP (1 + 2/3) / 2; at 0.5 it alerts m1 and m2: TP 1, FP 1, FN 1.
        // b: alerts m1 and m3: FP 2.
        Assert.Equal(5.0 / 6, result.MeanAveragePrecision, 9);
        Assert.Equal(1, result.InterestsWithoutRelevant);
        Assert.Equal(new Confusion(1, 3, 1), result.Micro);
        Assert.Equal(0.5, result.MacroF1, 9);
        Assert.Equal(2, result.Interests[0].RelevantCount);
        Assert.Null(result.Interests[1].AveragePrecision);
        // a's best threshold is 0.1, admitting all three messages: F1 2 * 2 / (2 * 2 + 1) = 0.8.
        Assert.Equal(0.1f, result.Interests[0].BestF1.Threshold);
        // One threshold for both interests: 0.9 admits only a-m1 (P 1, R 0.5); every lower one adds more false alarms than hits.
        Assert.Equal(new ThresholdChoice(0.9f, new Confusion(1, 0, 1)), result.BestGlobal);
    }

    [Fact]
    public void Comparison_table_puts_methods_side_by_side()
    {
        var methods = new[]
        {
            EvaluationReport.Evaluate("cross-attention", Interests, Messages, CrossAttentionScores(), Labels, Thresholds),
            EvaluationReport.Evaluate("BM25", Interests, Messages, new float[,] { { 0.2f, 0f, 0.9f }, { 0f, 0f, 0f } }, Labels, Thresholds),
        };

        var table = EvaluationReport.FormatComparison(methods);

        string[] expected =
        [
            "method             MAP      P      R     F1  macro-F1  calibrated macro-F1  global threshold  P@global  R@global  F1@global  msg/s  CPU ms/msg",
            "cross-attention  0.833  0.250  0.500  0.333     0.500                0.800             0.900     1.000     0.500      0.667      -           -",
            "BM25             1.000  1.000  0.500  0.667     0.667                1.000             0.200     1.000     1.000      1.000      -           -",
            "2 interests x 3 messages; P, R, F1 micro-averaged at each interest's threshold, " +
            "@global at the one threshold that maximises F1 over all pairs; " +
            "interests with no relevant message, left out of MAP and macro-F1: 1",
            "",
        ];
        Assert.Equal(string.Join(Environment.NewLine, expected), table);
    }

    [Fact]
    public void Calibration_table_lists_each_interest()
    {
        var result = EvaluationReport.Evaluate("cross-attention", Interests, Messages, CrossAttentionScores(), Labels, Thresholds);

        var lines = EvaluationReport.FormatCalibration(result).Split(Environment.NewLine);

        Assert.Equal("cross-attention", lines[0]);
        Assert.Equal("interest  relevant     AP  threshold     F1  best threshold  best F1", lines[1]);
        Assert.Equal("a                2  0.833      0.500  0.500           0.100    0.800", lines[2]);
        Assert.StartsWith("b                0      -      0.500  0.000", lines[3]);
    }

    [Fact]
    public void Evaluate_rejects_unlabelled_messages_and_mismatched_shapes()
    {
        var scores = CrossAttentionScores();

        Assert.Throws<ArgumentException>(() => EvaluationReport.Evaluate("x", Interests, ["m1", "m2", "m9"], scores, Labels, Thresholds));
        Assert.Throws<ArgumentException>(() => EvaluationReport.Evaluate("x", Interests, ["m1", "m2"], scores, Labels, Thresholds));
        Assert.Throws<ArgumentException>(() => EvaluationReport.Evaluate("x", Interests, Messages, scores, Labels, [0.5f]));
    }

    private static float[,] CrossAttentionScores() => new float[,] { { 0.9f, 0.8f, 0.1f }, { 0.7f, 0.2f, 0.6f } };
}
