using StreamAttention.Scoring.Calibration;

namespace StreamAttention.Scoring.Tests.Calibration;

public sealed class InterestStatisticsTests
{
    /// <summary>The definition: the median, and the median of the absolute deviations from it, each by a sort.</summary>
    private static (float Mean, float Deviation) BySorting(float[] raw)
    {
        static float Median(float[] values)
        {
            var sorted = values.Order().ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        }
        var median = Median(raw);
        return (median, 1.4826f * Median(raw.Select(x => Math.Abs(x - median)).ToArray()));
    }

    /// <summary>A float's bits, every NaN as one (its sign bit says nothing).</summary>
    private static int Bits(float value) => float.IsNaN(value) ? BitConverter.SingleToInt32Bits(float.NaN) : BitConverter.SingleToInt32Bits(value);

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(7, 2)]
    [InlineData(64, 3)]
    [InlineData(255, 4)]
    [InlineData(256, 5)]
    public void Median_and_deviation_are_bit_for_bit_those_of_sorting_twice(int count, int seed)
    {
        var random = new Random(seed);
        for (var trial = 0; trial < 50; trial++)
        {
            // Scores with ties (a coarse grid), zeros (pairs a rule drops) and spread ones, NaN in a few trials.
            var raw = Enumerable.Range(0, count).Select(_ => random.Next(4) switch
            {
                0 => 0f,
                1 => random.Next(-3, 4) / 8f,
                _ => (float)random.NextDouble() * 2 - 0.5f,
            }).ToArray();
            if (trial % 10 == 9)
            {
                raw[random.Next(count)] = float.NaN;
            }

            var (mean, deviation) = InterestStatistics.Of(raw);

            var expected = BySorting(raw);
            Assert.Equal(Bits(expected.Mean), Bits(mean));
            Assert.Equal(Bits(expected.Deviation), Bits(deviation));
        }
    }
}
