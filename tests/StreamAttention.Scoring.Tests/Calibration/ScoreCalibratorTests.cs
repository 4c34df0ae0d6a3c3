using StreamAttention.Contracts.Scoring;
using StreamAttention.Embeddings;
using StreamAttention.Scoring.Calibration;
using StreamAttention.Scoring.Options;
using StreamAttention.Scoring.Tests.Graphs;

namespace StreamAttention.Scoring.Tests.Calibration;

public sealed class ScoreCalibratorTests
{
    private readonly HashingTestEmbedder _embedder = new(dimension: 8);
    private readonly List<int> _measured = [];

    private static readonly ScoringOptions Options = new()
    {
        BackgroundMessages = 32,
        MinBackgroundMessages = 10,
        CalibrationRefreshMessages = 100,
        CalibrationMeasuresPerRun = 2,
    };

    private static readonly CalibrationModel Model = Options.CalibrationModels[Options.CalibrationKey];

    /// <summary>A stand-in engine: every pair, with a raw score from the message's first word and the interest's text.</summary>
    private void EveryPair(TokenBatch messages, InterestIndex interests, Span<float> raw, int stride)
    {
        _measured.Add(interests.Count);
        for (var i = 0; i < interests.Count; i++)
        {
            for (var m = 0; m < messages.Count; m++)
            {
                raw[i * stride + m] = StandInScore(messages, m, interests, i);
            }
        }
    }

    private static float StandInScore(TokenBatch messages, int m, InterestIndex interests, int i)
        => (messages.TokenTexts[m][0].Length % 7) / 10f + interests.Interests[i].Text.Length / 100f;

    private InterestIndex Index(params string[] texts)
        => InterestIndex.Build(texts.Select((text, i) => new InterestDefinition($"i{i}-{text}", text)).ToArray(), _embedder, Options);

    private TokenBatch Messages(int count, int offset = 0) => _embedder.Embed(Enumerable.Range(offset, count).Select(m => $"w{m} x").ToArray());

    [Fact]
    public void Interests_that_score_alike_are_measured_once_and_share_the_statistics_of_the_real_engine()
    {
        // Same text twice (two users following one phrase), the same text with a keyword rule, and another text.
        var options = new ScoringOptions { BackgroundMessages = 32, MinBackgroundMessages = 10, CalibrationMeasuresPerRun = 100 };
        var embedder = new HashingTestEmbedder();
        var index = InterestIndex.Build(
            [
                new InterestDefinition("a", "w1 w2 w3", "u1"), new InterestDefinition("a", "w1 w2 w3", "u2"),
                new InterestDefinition("b", "w1 w2 w3", "u3", Require: ["w9"]), new InterestDefinition("c", "w4 w5", "u1"),
            ],
            embedder, options);
        var messages = embedder.Embed(Enumerable.Range(0, 16).Select(m => $"w{m % 6} w{m % 5 + 3} w9 x{m}").ToArray());
        // The engine the calibrator measures with scores raw (as TwoStageScorer's own measurements do).
        using var scorer = new TwoStageScorer(TestData.Sessions(), new ScoringOptions { Calibration = ScoreCalibration.None });
        var measured = new List<int>();
        var calibrator = new ScoreCalibrator(options, (batch, interests, raw, stride) =>
        {
            measured.Add(interests.Count);
            scorer.ScoreEveryPair(batch, interests, raw, stride);
        });
        calibrator.Observe(messages);

        var statistics = calibrator.For(index).Statistics;

        Assert.Equal([3], measured.Distinct());
        Assert.Equal(statistics[0], statistics[1]);
        // Each statistic is what the interest alone measures.
        for (var i = 0; i < index.Count; i++)
        {
            var alone = new ScoreCalibrator(options, scorer.ScoreEveryPair);
            alone.Observe(messages);
            Assert.Equal(alone.For(index.Subset([i])).Statistics[0], statistics[i]);
        }
    }

    [Fact]
    public void Twins_are_the_same_text_rules_and_vectors()
    {
        var index = InterestIndex.Build(
            [
                new InterestDefinition("a", "w1 w2"), new InterestDefinition("b", "w1 w2", "u", 0.9f), new InterestDefinition("c", "w2 w1"),
                new InterestDefinition("d", "w1 w2", Exclude: ["w3"]), new InterestDefinition("e", "w1 w2", Exclude: ["w3"]), new InterestDefinition("f", "w1 w2", Require: []),
            ],
            _embedder, Options);

        Assert.Equal([0, 0, 2, 3, 3, 5], InterestTwins.FirstOf(index, [0, 1, 2, 3, 4, 5]));
        Assert.Equal([0, 1, 0], InterestTwins.FirstOf(index, [3, 2, 4]));
    }

    [Fact]
    public void Until_the_background_is_large_enough_every_interest_uses_the_prior()
    {
        var calibrator = new ScoreCalibrator(Options, EveryPair);
        var index = Index("a b", "c");
        calibrator.Observe(Messages(Options.MinBackgroundMessages - 1));

        var calibration = calibrator.For(index);

        Assert.Empty(_measured);
        Assert.All(calibration.Statistics, s => Assert.Equal(new InterestStatistics(Model.PriorMean, Model.PriorDeviation, -1), s));
    }

    [Fact]
    public void Once_the_background_is_large_enough_each_interest_is_measured_against_it()
    {
        var calibrator = new ScoreCalibrator(Options, EveryPair);
        var index = Index("a b", "c");
        calibrator.Observe(Messages(12));

        var calibration = calibrator.For(index);

        var background = calibrator.Background.Batch();
        for (var i = 0; i < index.Count; i++)
        {
            var raw = Enumerable.Range(0, background.Count).Select(m => StandInScore(background, m, index, i)).ToArray();
            var (mean, deviation) = InterestStatistics.Of(raw);
            Assert.Equal(mean, calibration.Statistics[i].Mean, 5);
            Assert.Equal(deviation, calibration.Statistics[i].Deviation, 5);
            Assert.Equal(0, calibration.Statistics[i].Generation);
        }
    }

    [Fact]
    public void New_interests_beyond_the_measures_per_run_keep_the_prior_until_a_later_run()
    {
        var calibrator = new ScoreCalibrator(Options, EveryPair);
        var index = Index("a", "b", "c");
        calibrator.Observe(Messages(12));

        var first = calibrator.For(index).Statistics.Select(s => s.Generation).ToArray();
        var second = calibrator.For(index).Statistics.Select(s => s.Generation).ToArray();

        Assert.Equal([0, 0, -1], first);
        Assert.Equal([0, 0, 0], second);
        Assert.Equal([2, 1], _measured);
    }

    [Fact]
    public void An_interest_is_measured_once_when_it_first_appears_and_an_index_with_it_again_measures_nothing()
    {
        var calibrator = new ScoreCalibrator(Options, EveryPair);
        var first = Index("a b", "c");
        calibrator.Observe(Messages(12));
        var before = calibrator.For(first);
        _measured.Clear();

        var added = InterestIndex.Concat([first, Index("d e f")], _embedder.Dimension, Options);
        var after = calibrator.For(added);

        // Only the new interest went through the engine (one measuring run per 16 background messages).
        Assert.Equal([1], _measured);
        Assert.Equal(before.Statistics, after.Statistics.Take(2));
        Assert.Equal(0, after.Statistics[2].Generation);
    }

    [Fact]
    public void After_the_background_moved_on_stale_interests_are_measured_again_a_bounded_number_per_run()
    {
        var calibrator = new ScoreCalibrator(Options, EveryPair);
        var index = Index("a", "b", "c", "d", "e");
        calibrator.Observe(Messages(12));
        for (var run = 0; run < 3; run++)
        {
            calibrator.For(index); // 2, 2, then 1 new interest measured
        }
        calibrator.Observe(Messages(Options.CalibrationRefreshMessages, offset: 100));
        _measured.Clear();

        var generations = new List<long[]>();
        for (var run = 0; run < 3; run++)
        {
            // A message scored before each run: its credit (CalibrationRefreshesPerMessage = 2) pays for the run's measures.
            calibrator.Observe(Messages(1, offset: 300 + run));
            generations.Add(calibrator.For(index).Statistics.Select(s => s.Generation).ToArray());
        }

        // The background is full (32 messages): two measuring runs of 16 each time.
        Assert.Equal([2, 2, 2, 2, 1, 1], _measured);
        Assert.Equal([1, 1, 0, 0, 0], generations[0]);
        Assert.Equal([1, 1, 1, 1, 1], generations[2]);
    }

    [Fact]
    public void Stale_interests_are_measured_again_only_as_the_messages_scored_allow()
    {
        var options = new ScoringOptions
        {
            BackgroundMessages = 32,
            MinBackgroundMessages = 10,
            CalibrationRefreshMessages = 100,
            CalibrationMeasuresPerRun = 3,
            CalibrationRefreshesPerMessage = 0.5,
        };
        var calibrator = new ScoreCalibrator(options, EveryPair);
        var index = Index("a", "b", "c", "d", "e", "f", "g", "h");
        calibrator.Observe(Messages(12));
        for (var run = 0; run < 3; run++)
        {
            calibrator.For(index); // 3, 3, then 2 new interests: new ones are not held by the credit
        }
        calibrator.Observe(Messages(options.CalibrationRefreshMessages, offset: 100));
        _measured.Clear();

        var measured = new List<int>();
        foreach (var messages in new[] { 0, 2, 1, 1, 6, 4 })
        {
            calibrator.Observe(Messages(messages, offset: 400));
            var generations = calibrator.For(index).Statistics.Select(s => s.Generation).ToArray();
            measured.Add(generations.Count(g => g == 1));
        }

        // The credit is kept up to a run's most (3), which the first run spends; then it is spent only once it pays for
        // a run's worth (3 interests, 6 messages), and for the last 2 stale interests once it pays for those 2.
        Assert.Equal([3, 3, 3, 3, 6, 8], measured);
    }

    [Fact]
    public void Every_interest_is_measured_again_even_when_the_background_moves_on_faster_than_a_refresh()
    {
        var options = new ScoringOptions
        {
            BackgroundMessages = 32,
            MinBackgroundMessages = 10,
            CalibrationRefreshMessages = 10,
            CalibrationMeasuresPerRun = 2,
            CalibrationRefreshesPerMessage = 0.5,
        };
        var calibrator = new ScoreCalibrator(options, EveryPair);
        var index = Index("a", "b", "c", "d", "e", "f");
        calibrator.Observe(Messages(12));
        var last = calibrator.For(index).Statistics.Select(s => s.Generation).ToArray();
        var measuredAgain = new int[index.Count];

        // 4 messages per run pay for 2 measures; a generation lasts 2.5 runs, a refresh of 6 interests takes 3.
        for (var run = 0; run < 60; run++)
        {
            calibrator.Observe(Messages(4, offset: 100 + 4 * run));
            var generations = calibrator.For(index).Statistics.Select(s => s.Generation).ToArray();
            for (var i = 0; i < index.Count; i++)
            {
                measuredAgain[i] += generations[i] != last[i] ? 1 : 0;
            }
            last = generations;
        }

        // In turn: each interest every third run (in index order from the start, the first ones would be measured far more often).
        Assert.All(measuredAgain, count => Assert.InRange(count, 19, 21));
    }
}
