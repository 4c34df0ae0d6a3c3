using StreamAttention.Contracts.Scoring;
using StreamAttention.Scoring.Options;
using StreamAttention.Scoring.Tests.Graphs;

namespace StreamAttention.Scoring.Tests.Calibration;

/// <summary>Calibrated scoring end to end: the engines on converted thresholds, and the default threshold on real GloVe scores.</summary>
[Collection(GloveScorerCollection.Name)]
public sealed class CalibratedScoringTests(GloveScorerFixture glove)
{
    private static readonly InterestDefinition ReplicationLag = new("replication", "database replication lag and failover");
    private static readonly MessageText Failover = new("failover", "Primary postgres node failed over; replicas show 40s replication lag");
    private static readonly MessageText Football = new("football", "Arsenal beat Chelsea 2-1 at the Emirates on Saturday with a late goal");
    private static readonly MessageText Weather = new("weather", "Heavy rain and strong winds are expected across Scotland tomorrow");

    [Theory]
    [InlineData(ScoringEngine.SharedWords)]
    [InlineData(ScoringEngine.PerPair)]
    public void Matches_are_exactly_the_pairs_whose_calibrated_score_reaches_the_threshold_with_their_raw_scores(ScoringEngine engine)
    {
        var embedder = new HashingTestEmbedder();
        var random = new Random(4);
        // One generation for the whole test: the statistics measured in the first call hold for the second.
        var options = new ScoringOptions { Engine = engine, MinBackgroundMessages = 20, CalibrationRefreshMessages = int.MaxValue, DefaultThreshold = 0.6f };
        var interests = InterestIndex.Build(Enumerable.Range(0, 20)
            .Select(i => new InterestDefinition($"i{i}", Words(random, 3), null, i % 4 == 0 ? 0.3f : null)).ToArray(), embedder, options);
        var messages = embedder.Embed(Enumerable.Range(0, 60).Select(_ => Words(random, 10)).ToArray());
        using var scorer = new TwoStageScorer(TestData.Sessions(), options);
        using var raw = new TwoStageScorer(TestData.Sessions(), new ScoringOptions { Engine = engine, Calibration = ScoreCalibration.None });

        var every = scorer.Score(messages, interests, minScoreOverride: -1);
        var matches = scorer.Score(messages, interests);

        Assert.Equal(60 * 20, every.Count);
        // A run's composition changes float rounding in the per-pair engine: pairs within 1e-4 of their threshold are too close to call.
        var expected = every.Where(p => p.Score >= interests.Thresholds[p.InterestIndex] + 1e-4f).ToArray();
        var close = every.Where(p => Math.Abs(p.Score - interests.Thresholds[p.InterestIndex]) < 1e-4f).Select(p => (p.MessageIndex, p.InterestIndex)).ToHashSet();
        Assert.NotEmpty(expected);
        Assert.True(expected.Length < every.Count / 2, "the thresholds should drop most pairs");
        Assert.Equal(expected.Select(p => (p.MessageIndex, p.InterestIndex)).Order(),
            matches.Select(p => (p.MessageIndex, p.InterestIndex)).Where(p => !close.Contains(p)).Order());
        var calibrated = every.ToDictionary(p => (p.MessageIndex, p.InterestIndex), p => p.Score);
        Assert.All(matches, p => Assert.Equal(calibrated[(p.MessageIndex, p.InterestIndex)], p.Score, 4));
        Assert.All(matches, p => Assert.True(p.Score >= interests.Thresholds[p.InterestIndex]));
        var rawScores = raw.Score(messages, interests, minScoreOverride: -1).ToDictionary(p => (p.MessageIndex, p.InterestIndex), p => p.Score);
        Assert.All(every, p => Assert.Equal(rawScores[(p.MessageIndex, p.InterestIndex)], p.RawScore, 5));
        // Ordered by message, best calibrated score first, then by interest (the per-pair engine yields them out of message order).
        Assert.Equal(matches.OrderBy(p => p.MessageIndex).ThenByDescending(p => p.Score).ThenBy(p => p.InterestIndex).Select(p => (p.MessageIndex, p.InterestIndex, p.Score)),
            matches.Select(p => (p.MessageIndex, p.InterestIndex, p.Score)));
        Assert.Equal(every.OrderBy(p => p.MessageIndex).ThenByDescending(p => p.Score).ThenBy(p => p.InterestIndex).Select(p => (p.MessageIndex, p.InterestIndex, p.Score)),
            every.Select(p => (p.MessageIndex, p.InterestIndex, p.Score)));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    public void The_shared_words_engine_reports_calibrated_scores_in_order_bit_for_bit_as_its_raw_matches_mapped_afterwards(int clusters)
    {
        var embedder = new HashingTestEmbedder();
        var random = new Random(11);
        var options = new ScoringOptions { MinBackgroundMessages = 20, CalibrationRefreshMessages = int.MaxValue, CandidateClusters = clusters, HighlightCount = 3 };
        // Thresholds of their own and keyword rules (the lexical step after the engine drops pairs without reordering).
        var definitions = Enumerable.Range(0, 60)
            .Select(i => new InterestDefinition($"i{i}", Words(random, 4), null, i % 3 == 0 ? 0.3f : null, i % 7 == 0 ? ["w3"] : null)).ToArray();
        var interests = InterestIndex.Build(definitions, embedder, options);
        var stream = embedder.Embed(Enumerable.Range(0, 40).Select(_ => Words(random, 10)).ToArray());
        var messages = embedder.Embed(["", .. Enumerable.Range(0, 80).Select(_ => Words(random, 12))]);
        using var scorer = new TwoStageScorer(TestData.Sessions(), options);
        scorer.Score(stream, interests);

        var matches = scorer.Score(messages, interests);

        // The same generation, so the calibration the run used: its raw thresholds as the interests' own, scored raw, then mapped and ordered.
        var calibration = scorer.Calibrator!.For(interests);
        var rawThresholds = calibration.RawThresholds(interests.Thresholds);
        var atRawThresholds = InterestIndex.Build(definitions.Select((d, i) => d with { Threshold = rawThresholds[i] }).ToArray(), embedder, options);
        using var uncalibrated = new TwoStageScorer(TestData.Sessions(), new ScoringOptions { Calibration = ScoreCalibration.None, CandidateClusters = clusters, HighlightCount = 3 });
        var expected = uncalibrated.Score(messages, atRawThresholds)
            .Select(p => p with { Score = calibration.Calibrated(p.InterestIndex, p.Score), RawScore = p.Score })
            .OrderBy(p => p.MessageIndex).ThenByDescending(p => p.Score).ThenBy(p => p.InterestIndex).ToArray();
        Assert.True(expected.Length > 100, $"only {expected.Length} matches");
        Assert.Contains(expected, p => p.Highlights.Count > 0);
        Assert.Contains(expected.Zip(expected.Skip(1)), p => p.First.MessageIndex == p.Second.MessageIndex && p.First.RawScore < p.Second.RawScore);
        Assert.Equal(expected.Select(p => (p.MessageIndex, p.InterestIndex, p.Score, p.RawScore, p.PrefilterScore)),
            matches.Select(p => (p.MessageIndex, p.InterestIndex, p.Score, p.RawScore, p.PrefilterScore)));
        Assert.Equal(expected.Select(p => p.Highlights.Select(h => (h.Token, h.Weight))), matches.Select(p => p.Highlights.Select(h => (h.Token, h.Weight))));
    }

    [Theory]
    [InlineData(ScoringEngine.SharedWords, ScoreCalibration.Background)]
    [InlineData(ScoringEngine.SharedWords, ScoreCalibration.None)]
    [InlineData(ScoringEngine.PerPair, ScoreCalibration.Background)]
    [InlineData(ScoringEngine.PerPair, ScoreCalibration.None)]
    public void Pairs_get_highlights_from_the_given_scores_on_the_thresholds_scale_and_are_otherwise_the_same(ScoringEngine engine, ScoreCalibration calibration)
    {
        var embedder = new HashingTestEmbedder();
        var random = new Random(6);
        var options = new ScoringOptions { Engine = engine, Calibration = calibration, MinBackgroundMessages = 20, CalibrationRefreshMessages = int.MaxValue, DefaultThreshold = 0.55f };
        var interests = InterestIndex.Build(Enumerable.Range(0, 20)
            .Select(i => new InterestDefinition($"i{i}", Words(random, 3), null, i % 4 == 0 ? 0.35f : null)).ToArray(), embedder, options);
        var stream = embedder.Embed(Enumerable.Range(0, 40).Select(_ => Words(random, 10)).ToArray());
        var messages = embedder.Embed(Enumerable.Range(0, 60).Select(_ => Words(random, 10)).ToArray());
        using var everyHighlight = new TwoStageScorer(TestData.Sessions(), options);
        using var keptHighlights = new TwoStageScorer(TestData.Sessions(), options);
        everyHighlight.Score(stream, interests);
        keptHighlights.Score(stream, interests);

        var expected = everyHighlight.Score(messages, interests, minScoreOverride: -1);
        var pairs = keptHighlights.Score(messages, interests, minScoreOverride: -1, highlightFrom: interests.Thresholds);

        Assert.Equal(expected.Select(p => (p.MessageIndex, p.InterestIndex, p.Score, p.RawScore)), pairs.Select(p => (p.MessageIndex, p.InterestIndex, p.Score, p.RawScore)));
        // Pairs within 1e-4 of their threshold are too close to call through the calibration's raw thresholds.
        var above = pairs.Zip(expected).Where(p => p.First.Score >= interests.Thresholds[p.First.InterestIndex] + 1e-4f).ToArray();
        var below = pairs.Where(p => p.Score < interests.Thresholds[p.InterestIndex] - 1e-4f).ToArray();
        Assert.Contains(above, p => p.Second.Highlights.Count > 0);
        Assert.NotEmpty(below);
        Assert.All(above, p => Assert.Equal(p.Second.Highlights.Select(h => (h.Token, h.Weight)), p.First.Highlights.Select(h => (h.Token, h.Weight))));
        Assert.All(below, p => Assert.Empty(p.Highlights));
        Assert.Contains(expected, p => p.Score < interests.Thresholds[p.InterestIndex] - 1e-4f && p.Highlights.Count > 0);
    }

    [Theory]
    [InlineData(ScoreCalibration.Background, false)]
    [InlineData(ScoreCalibration.None, false)]
    [InlineData(ScoreCalibration.Background, true)]
    public void The_engine_keeps_the_pairs_at_their_thresholds_and_the_nearest_below_them_within_the_band_unless_keyword_rules_drop_pairs_after_it(
        ScoreCalibration calibration, bool keywordRules)
    {
        const float Band = 0.3f;
        const int PerMessage = 3;
        var embedder = new HashingTestEmbedder();
        var random = new Random(8);
        var options = new ScoringOptions { Calibration = calibration, MinBackgroundMessages = 20, CalibrationRefreshMessages = int.MaxValue, DefaultThreshold = 0.55f };
        var interests = InterestIndex.Build(Enumerable.Range(0, 30)
            .Select(i => new InterestDefinition($"i{i}", Words(random, 3), null, i % 4 == 0 ? 0.35f : null, null, keywordRules && i % 6 == 0 ? ["w7"] : null))
            .ToArray(), embedder, options);
        var stream = embedder.Embed(Enumerable.Range(0, 40).Select(_ => Words(random, 10)).ToArray());
        var texts = Enumerable.Range(0, 60).Select(_ => Words(random, 10)).ToArray();
        var messages = embedder.Embed(texts);
        texts.CopyTo(messages.Texts, 0);
        using var whole = new TwoStageScorer(TestData.Sessions(), options);
        using var selecting = new TwoStageScorer(TestData.Sessions(), options);
        whole.Score(stream, interests);
        selecting.Score(stream, interests);
        var thresholds = interests.Thresholds;
        var floor = thresholds.Min() - Band;
        var selection = new NearestBelowThresholds(thresholds, Band, PerMessage, messages.Count);

        var every = whole.Score(messages, interests, floor);
        var selected = selecting.Score(messages, interests, floor, nearestBelow: selection);

        if (keywordRules)
        {
            // The rules drop pairs after the engine, so it cannot select: every pair, nothing counted.
            Assert.Equal(every.Select(p => (p.MessageIndex, p.InterestIndex, p.Score)), selected.Select(p => (p.MessageIndex, p.InterestIndex, p.Score)));
            Assert.All(selection.Dropped, d => Assert.Equal(0, d));
            return;
        }
        bool InBand(RowMatch p) => p.Score < thresholds[p.InterestIndex] && p.Score >= thresholds[p.InterestIndex] - Band;
        var expected = every.GroupBy(p => p.MessageIndex).SelectMany(pairs => pairs.Where(p => p.Score >= thresholds[p.InterestIndex])
                .Concat(pairs.Where(InBand).OrderBy(p => thresholds[p.InterestIndex] - p.Score).ThenBy(p => p.InterestIndex).Take(PerMessage)))
            .OrderBy(p => p.MessageIndex).ThenByDescending(p => p.Score).ThenBy(p => p.InterestIndex).ToArray();
        var dropped = every.GroupBy(p => p.MessageIndex).ToDictionary(g => g.Key, g => Math.Max(0, g.Count(InBand) - PerMessage));
        // The arrangement has messages with more pairs in the band than kept, and pairs below it.
        Assert.Contains(dropped.Values, d => d > 0);
        Assert.Contains(every, p => p.Score < thresholds[p.InterestIndex] - Band);
        Assert.Equal(expected.Select(p => (p.MessageIndex, p.InterestIndex, p.Score, p.RawScore, p.PrefilterScore)),
            selected.Select(p => (p.MessageIndex, p.InterestIndex, p.Score, p.RawScore, p.PrefilterScore)));
        Assert.Equal(Enumerable.Range(0, messages.Count).Select(m => dropped.GetValueOrDefault(m)), selection.Dropped);
    }

    [Fact]
    public void At_the_default_threshold_a_failover_with_replication_lag_matches_and_football_and_weather_do_not_from_a_cold_start()
    {
        var scorer = new MessageScorer(glove.Scorer.Embedder, new TwoStageScorer(TestData.Sessions(), new ScoringOptions()));

        var matches = scorer.Score([Failover, Football, Weather], scorer.BuildIndex([ReplicationLag]));

        var match = Assert.Single(matches);
        Assert.Equal(Failover.Id, match.MessageId);
        Assert.True(match.RawScore < 0.7f, $"raw {match.RawScore}: the example is about a raw score under the old default 0.7");
    }

    [Fact]
    public void At_the_default_threshold_a_failover_with_replication_lag_matches_and_football_and_weather_do_not_on_a_busy_stream()
    {
        var scorer = new MessageScorer(glove.Scorer.Embedder, new TwoStageScorer(TestData.Sessions(), new ScoringOptions()));
        var index = scorer.BuildIndex([ReplicationLag]);
        // The labelled set's messages as the stream before: infrastructure, ML, energy, security, sport, weather, hiring.
        var stream = BenchmarkCorpus.Load().Messages(400).Select((text, i) => new MessageText($"s{i}", text)).ToArray();
        scorer.Score(stream, index);

        var matches = scorer.Score([Failover, Football, Weather], index);

        Assert.Equal(Failover.Id, Assert.Single(matches).MessageId);
    }

    private static string Words(Random random, int max) => string.Join(' ', Enumerable.Range(0, random.Next(1, max + 1)).Select(_ => $"w{random.Next(60)}"));
}
