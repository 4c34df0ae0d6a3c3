using System.Numerics.Tensors;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Scoring.Candidates;
using StreamAttention.Scoring.Options;
using StreamAttention.Scoring.SharedWords;
using StreamAttention.Scoring.Tests.Graphs;

namespace StreamAttention.Scoring.Tests.Candidates;

public sealed class QuantizedScreenTests
{
    private const int Dimension = 37; // four vectors of eight and a scalar tail

    [Fact]
    public void The_int8_estimate_is_within_its_bound_and_the_bound_is_nearly_reached()
    {
        var random = new Random(3);
        var (rows, messages) = (Adversarial(random, 64), Adversarial(random, 4));
        // Row 0 rounds every component by nearly half a step, each in the direction message 0 weighs it.
        for (var i = 1; i < Dimension; i++)
        {
            rows[i] = (i % 2 == 0 ? 1 : -1) * (i % 100 + 0.49f) / 127f;
            messages[i] = i % 2 == 0 ? -1 : 1;
        }
        (rows[0], messages[0]) = (1f, 0f);
        var quantized = QuantizedQueries.Of(rows, 64, Dimension);
        var largest = 0.0;

        for (var r = 0; r < 64; r++)
        {
            var row = rows.AsSpan(r * Dimension, Dimension);
            var bySingle = quantized.Dot4Rows(r, messages.AsSpan(0, Dimension));
            var byGroup = quantized.Dot4(r, Message(messages, 0), Message(messages, 1), Message(messages, 2), Message(messages, 3));
            for (var m = 0; m < 4; m++)
            {
                var message = Message(messages, m);
                var exact = Exact(message, row);
                var bound = quantized.Scales[r] * TensorPrimitives.SumOfMagnitudes(message) * quantized.ErrorPerUnit;
                var error = Math.Abs(exact - quantized.Scales[r] * byGroup[m]);
                Assert.True(error <= bound, $"row {r}, message {m}: error {error} over the bound {bound}");
                largest = Math.Max(largest, error / bound);
            }
            Assert.Equal(byGroup[0], bySingle[0], 1e-4);
        }
        // Half a step per component is the bound's own term: a bound of a quarter step would not hold.
        Assert.True(largest > 0.9, $"the largest error is only {largest:P0} of the bound");
    }

    [Fact]
    public void A_row_without_a_relative_rounding_bound_gets_a_NaN_scale_so_that_it_is_always_checked()
    {
        float[] rows = [1e-42f, -2e-42f, 0.5f, float.NaN, float.PositiveInfinity, 0.5f, 0f, 0f, 0.5f, -1f];

        var quantized = QuantizedQueries.Of(rows, 5, 2);

        // Subnormal values (their scale too), NaN, infinity; a zero row has scale 0; a normal row max|v| / 127.
        Assert.Equal([float.NaN, float.NaN, float.NaN, 0f, 1f / 127f], quantized.Scales.ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(6)]
    public void The_screen_keeps_exactly_the_pairs_whose_float_cosine_reaches_the_floor(int count)
    {
        var random = new Random(count);
        const int interests = 203; // not a multiple of four
        var rows = Adversarial(random, interests);
        var messages = Adversarial(random, count);
        rows.AsSpan(5 * Dimension, Dimension).Clear(); // a zero row
        rows[7 * Dimension + 3] = float.NaN;
        rows[8 * Dimension + 1] = float.PositiveInfinity;
        if (count >= 3)
        {
            messages.AsSpan((count - 1) * Dimension, Dimension).Clear(); // the last message is a zero vector
        }
        // Each floor is exactly one message's cosine with the row, a step below or above it, or out of reach.
        var floor = new float[interests];
        for (var r = 0; r < interests; r++)
        {
            var cosine = Cosine(messages, r % count, rows, r);
            floor[r] = (r % 5) switch
            {
                0 => cosine,
                1 => MathF.BitIncrement(cosine),
                2 => MathF.BitDecrement(cosine),
                3 => float.PositiveInfinity,
                _ => -0.01f,
            };
        }
        var screen = new QuantizedScreen();

        var live = screen.Run(messages, count, QuantizedQueries.Of(rows, interests, Dimension), rows, floor);

        var cosines = new float[count * interests];
        for (var m = 0; m < count; m++)
        {
            for (var r = 0; r < interests; r++)
            {
                cosines[m * interests + r] = Cosine(messages, m, rows, r);
            }
        }
        Assert.Equal(new LiveInterests().Of(cosines, count, floor), live);
        // The candidates at the same floor, and at a floor tightened for some interests (to a cosine of theirs, or a step
        // past it), are those of the float path's Generate: the cosines that reach the floor.
        var tightened = floor.Select((f, r) => Cosine(messages, (r + 1) % count, rows, r) is var other && !float.IsNaN(other)
            ? (r % 3) switch
            {
                0 => Math.Max(f, other),
                1 => Math.Max(f, MathF.BitIncrement(other)),
                _ => f,
            }
            : f).ToArray();
        foreach (var candidateFloor in new[] { floor, tightened })
        {
            var candidates = new CandidateLists();
            candidates.Reset(0, count);
            screen.Candidates(candidateFloor, candidates);
            for (var m = 0; m < count; m++)
            {
                var expected = Enumerable.Range(0, interests).Where(r => cosines[m * interests + r] >= candidateFloor[r]).ToList();
                Assert.Equal(expected, candidates.Interests(m).ToArray());
                Assert.Equal(expected.Select(r => cosines[m * interests + r]), candidates.Prefilter(m).ToArray());
            }
        }
        Assert.Contains(7, live); // NaN is live, as LiveInterests counts it, and no candidate, as the float path's Generate
        Assert.True(live.Count > interests / 3, $"only {live.Count} live");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Exact_cosines_are_computed_only_for_pairs_whose_interval_holds_the_floor(int count)
    {
        var random = new Random(11);
        const int interests = 64;
        var (rows, messages) = (Adversarial(random, interests), Adversarial(random, count));
        var quantized = QuantizedQueries.Of(rows, interests, Dimension);
        var screen = new QuantizedScreen();
        var candidates = new CandidateLists();
        candidates.Reset(0, count);

        // Every cosine of unit vectors is at least −1: each pair's interval lies above the floor, so none is computed …
        var live = screen.Run(messages, count, quantized, rows, Enumerable.Repeat(-1.5f, interests).ToArray());
        Assert.Equal(Enumerable.Range(0, interests), live);
        Assert.Equal(0, screen.ExactCosines);

        // … and at a tightened floor only the pairs whose interval reaches it are: here one interest's.
        var floor = Enumerable.Repeat(2f, interests).ToArray();
        floor[9] = -1.5f;
        screen.Candidates(floor, candidates);
        Assert.Equal(count, screen.ExactCosines);
        for (var m = 0; m < count; m++)
        {
            Assert.Equal([9], candidates.Interests(m).ToArray());
            Assert.Equal(Cosine(messages, m, rows, 9), candidates.Prefilter(m)[0]);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(16)]
    public void Scoring_through_the_int8_screen_finds_the_same_matches_as_the_float_prefilter(int chunk)
    {
        var random = new Random(17);
        var embedder = new HashingTestEmbedder(dimension: 8);
        var words = new RandomWordTexts(40);
        // Few dimensions and short texts make pooled vectors close together, so many pairs are near the floor.
        var texts = Enumerable.Range(0, 600).Select(_ => words.Next(random, 1, 3)).Append("").Append("?unknown").ToArray();
        var options = new ScoringOptions { DefaultThreshold = 0.6f, MessageChunkSize = chunk, QuantizedPrefilterMaxMessages = 0 };
        var interests = InterestIndex.Build(texts.Select((t, i) => new InterestDefinition($"i{i}", t, null, i % 3 == 0 ? 0.75f : null)).ToArray(), embedder, options);
        var messages = embedder.Embed(["", "?x", .. Enumerable.Range(0, 30).Select(_ => words.Next(random, 1, 10))]);
        using var floatPrefilter = new TwoStageScorer(TestData.Sessions(), options);
        using var screened = new TwoStageScorer(TestData.Sessions(), new ScoringOptions { DefaultThreshold = 0.6f, MessageChunkSize = chunk, QuantizedPrefilterMaxMessages = chunk });

        var expected = floatPrefilter.Score(messages, interests);
        var actual = screened.Score(messages, interests);

        Assert.True(expected.Count > 100, $"only {expected.Count} matches");
        Assert.Equal(expected.Select(p => (p.MessageIndex, p.InterestIndex)), actual.Select(p => (p.MessageIndex, p.InterestIndex)));
        for (var k = 0; k < expected.Count; k++)
        {
            Assert.Equal(expected[k].PrefilterScore, actual[k].PrefilterScore, 1e-6);
            Assert.Equal(expected[k].Score, actual[k].Score, 1e-6);
            Assert.Equal(expected[k].Highlights.Select(h => h.Token), actual[k].Highlights.Select(h => h.Token));
        }
    }

    private static ReadOnlySpan<float> Message(float[] messages, int m) => messages.AsSpan(m * Dimension, Dimension);

    private static float Cosine(float[] messages, int m, float[] rows, int r)
        => TensorPrimitives.Dot(Message(messages, m), rows.AsSpan(r * Dimension, Dimension));

    private static double Exact(ReadOnlySpan<float> message, ReadOnlySpan<float> row)
    {
        var sum = 0.0;
        for (var i = 0; i < message.Length; i++)
        {
            sum += (double)message[i] * row[i];
        }
        return sum;
    }

    /// <summary>Unit vectors of mixed shapes: Gaussian, one dominant component, a few large among tiny ones, all equal.</summary>
    private static float[] Adversarial(Random random, int count)
    {
        var vectors = new float[count * Dimension];
        for (var v = 0; v < count; v++)
        {
            var vector = vectors.AsSpan(v * Dimension, Dimension);
            for (var i = 0; i < Dimension; i++)
            {
                var gaussian = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
                vector[i] = (v % 4) switch
                {
                    0 => gaussian,
                    1 => i == v % Dimension ? 50f : gaussian,
                    2 => i % 9 == 0 ? gaussian : gaussian * 1e-4f,
                    _ => 1f,
                };
            }
            TensorPrimitives.Divide(vector, TensorPrimitives.Norm(vector), vector);
        }
        return vectors;
    }
}
