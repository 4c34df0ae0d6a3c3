using StreamAttention.Scoring.Calibration;

namespace StreamAttention.Scoring.Tests.Calibration;

public sealed class InterestCalibrationTests
{
    private static readonly CalibrationModel Model = new() { A = 2.5, B = 2, C = -6.5, PriorMean = 0.43f, PriorDeviation = 0.1f };

    /// <summary><paramref name="calibration"/>'s statistics with those at <paramref name="changed"/> measured again (random values).</summary>
    private static InterestStatistics[] Remeasured(Random random, InterestCalibration calibration, int[] changed)
    {
        var statistics = calibration.Statistics.ToArray();
        foreach (var i in changed)
        {
            statistics[i] = new InterestStatistics((float)random.NextDouble(), (float)random.NextDouble() * 0.2f, 1);
        }
        return statistics;
    }

    private static InterestCalibration RandomCalibration(Random random, int count) => new(Model,
        Enumerable.Range(0, count).Select(_ => new InterestStatistics((float)random.NextDouble() - 0.2f, (float)random.NextDouble() * 0.2f, 0)).ToArray());

    [Theory]
    [InlineData(0.01f)]
    [InlineData(0.3f)]
    [InlineData(0.5f)]
    [InlineData(0.77f)]
    [InlineData(0.999f)]
    public void A_pair_passes_its_raw_threshold_exactly_when_its_calibrated_score_reaches_the_calibrated_threshold(float threshold)
    {
        var random = new Random(5);
        var calibration = RandomCalibration(random, 40);
        for (var i = 0; i < calibration.Count; i++)
        {
            var raw = calibration.RawThreshold(i, threshold);
            Assert.True(calibration.Calibrated(i, raw) >= threshold);
            Assert.True(calibration.Calibrated(i, MathF.BitDecrement(raw)) < threshold);
            // Random scores, and the floats right around the raw threshold where rounding could disagree.
            var scores = Enumerable.Range(0, 500).Select(_ => (float)(random.NextDouble() * 2 - 1))
                .Concat([raw, MathF.BitIncrement(raw), MathF.BitDecrement(raw), MathF.BitDecrement(MathF.BitDecrement(raw))]);
            foreach (var score in scores)
            {
                Assert.Equal(score >= raw, calibration.Calibrated(i, score) >= threshold);
            }
        }
    }

    [Fact]
    public void Calibrated_scores_lie_in_0_to_1_and_increase_with_the_raw_score()
    {
        var random = new Random(8);
        var calibration = RandomCalibration(random, 20);
        var raws = Enumerable.Range(0, 2000).Select(_ => (float)(random.NextDouble() * 2 - 1)).Order().ToArray();
        for (var i = 0; i < calibration.Count; i++)
        {
            var calibrated = raws.Select(raw => calibration.Calibrated(i, raw)).ToArray();
            Assert.All(calibrated, score => Assert.InRange(score, 0f, 1f));
            Assert.Equal(calibrated.Order(), calibrated);
        }
    }

    [Fact]
    public void A_threshold_every_score_reaches_is_minus_infinity_and_one_none_reaches_is_plus_infinity()
    {
        var calibration = RandomCalibration(new Random(2), 3);
        Assert.Equal(float.NegativeInfinity, calibration.RawThreshold(0, 0f));
        Assert.Equal(float.NegativeInfinity, calibration.RawThreshold(1, -1f));
        Assert.Equal(float.PositiveInfinity, calibration.RawThreshold(2, 1.5f));
    }

    [Fact]
    public void An_interest_whose_scores_barely_vary_keeps_a_deviation_floor()
    {
        var flat = new InterestCalibration(Model, [new InterestStatistics(0.4f, 0, 0), new InterestStatistics(0.4f, InterestStatistics.MinDeviationShare * Model.PriorDeviation, 0)]);
        Assert.Equal(flat.Calibrated(1, 0.45f), flat.Calibrated(0, 0.45f));
    }
    [Fact]
    public void A_calibration_with_a_few_statistics_changed_maps_and_thresholds_as_one_built_from_scratch()
    {
        var random = new Random(11);
        var before = RandomCalibration(random, 50);
        var thresholds = Enumerable.Range(0, before.Count).Select(_ => (float)random.NextDouble()).ToArray();
        var rawBefore = before.RawThresholds(thresholds);
        var changed = new[] { 3, 17, 49 };
        var statistics = Remeasured(random, before, changed);

        var after = before.With(statistics, changed);

        var scratch = new InterestCalibration(Model, statistics);
        var raw = after.RawThresholds(thresholds);
        Assert.NotSame(rawBefore, raw);
        Assert.Equal(scratch.RawThresholds(thresholds), raw);
        for (var i = 0; i < after.Count; i++)
        {
            Assert.Equal(scratch.Calibrated(i, 0.37f), after.Calibrated(i, 0.37f));
        }
        Assert.False(after.AllMeasuredAt(1));
        Assert.True(new InterestCalibration(Model, statistics.Select(s => s with { Generation = 1 }).ToArray()).AllMeasuredAt(1));
    }

    [Fact]
    public void Raw_thresholds_are_kept_for_each_of_several_arrays_given_in_turn_and_carried_by_a_calibration_with_a_few_statistics_changed()
    {
        var random = new Random(13);
        var before = RandomCalibration(random, 60);
        // The cascade's three per run: the wider pass's floor, the highlights' floor, the index's thresholds.
        var arrays = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, before.Count).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
        var first = arrays.Select(before.RawThresholds).ToArray();

        for (var round = 0; round < 2; round++)
        {
            for (var a = 0; a < arrays.Length; a++)
            {
                Assert.Same(first[a], before.RawThresholds(arrays[a]));
            }
        }
        var changed = new[] { 0, 31, 59 };
        var statistics = Remeasured(random, before, changed);
        var after = before.With(statistics, changed);
        var scratch = new InterestCalibration(Model, statistics);
        for (var a = 0; a < arrays.Length; a++)
        {
            var raw = after.RawThresholds(arrays[a]);
            Assert.Equal(scratch.RawThresholds(arrays[a]), raw);
            Assert.Same(raw, after.RawThresholds(arrays[a]));
            Assert.Equal(Enumerable.Range(0, before.Count).Select(i => before.RawThreshold(i, arrays[a][i])), first[a]);
        }
    }

    [Fact]
    public void An_array_given_after_the_kept_ones_replaces_the_one_asked_for_longest_ago()
    {
        var random = new Random(17);
        var calibration = RandomCalibration(random, 10);
        var arrays = Enumerable.Range(0, 5).Select(_ => Enumerable.Range(0, calibration.Count).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
        var raw = arrays.Take(4).Select(calibration.RawThresholds).ToArray();
        // Asked again: the first becomes the latest, so the fifth array replaces the second.
        Assert.Same(raw[0], calibration.RawThresholds(arrays[0]));

        calibration.RawThresholds(arrays[4]);

        Assert.Same(raw[0], calibration.RawThresholds(arrays[0]));
        Assert.Same(raw[2], calibration.RawThresholds(arrays[2]));
        Assert.Same(raw[3], calibration.RawThresholds(arrays[3]));
        var again = calibration.RawThresholds(arrays[1]);
        Assert.NotSame(raw[1], again);
        Assert.Equal(raw[1], again);
    }
}
