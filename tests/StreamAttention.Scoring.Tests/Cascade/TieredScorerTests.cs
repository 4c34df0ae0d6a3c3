using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Time.Testing;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Embeddings;
using StreamAttention.Embeddings.Transformer;
using StreamAttention.Embeddings.Windows;
using StreamAttention.Onnx;
using StreamAttention.Scoring.Calibration;
using StreamAttention.Scoring.Cascade;
using StreamAttention.Scoring.Options;
using StreamAttention.Scoring.Tests.Graphs;

namespace StreamAttention.Scoring.Tests.Cascade;

public sealed class TieredScorerTests
{
    private static readonly RandomWordTexts Words = new(30);
    private readonly HashingTestEmbedder _embedder = new();

    [Theory]
    [InlineData(nameof(ScoringOptions.CascadeMargin), -0.1f)]
    [InlineData(nameof(ScoringOptions.CascadeMargin), 2.5f)]
    [InlineData(nameof(ScoringOptions.CascadePairMargin), 2.5f)]
    [InlineData(nameof(ScoringOptions.ContextualScoreScale), 0f)]
    [InlineData(nameof(ScoringOptions.ContextualScoreOffset), 11f)]
    [InlineData(nameof(ScoringOptions.CascadeMaxPairsPerMessage), -1)]
    [InlineData(nameof(ScoringOptions.CascadeEveryPairMaxInterests), -1)]
    public void Options_out_of_range_are_rejected(string property, float value)
    {
        var options = new ScoringOptions();
        var option = typeof(ScoringOptions).GetProperty(property)!;
        option.SetValue(options, Convert.ChangeType(value, option.PropertyType));
        var errors = new List<ValidationResult>();
        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true));
        Assert.Contains(errors, e => e.MemberNames.Contains(property));
    }

    [Fact]
    public void Defaults_are_valid_and_fast()
    {
        var options = new ScoringOptions();
        Assert.True(Validator.TryValidateObject(options, new ValidationContext(options), [], validateAllProperties: true));
        Assert.Equal(ScoringTier.Fast, options.Tier);
    }

    [Theory]
    [InlineData(ScoringTier.Cascade)]
    [InlineData(ScoringTier.Contextual)]
    public void A_contextual_tier_needs_a_rescorer(ScoringTier tier)
    {
        using var fast = new TwoStageScorer(TestData.Sessions(), new ScoringOptions { Calibration = ScoreCalibration.None, Tier = tier });
        Assert.Throws<ArgumentException>(() => new TieredScorer(fast));
    }

    [Fact]
    public void The_fast_tier_is_the_two_stage_scorer_and_never_rescores()
    {
        var random = new Random(3);
        var options = new ScoringOptions { Calibration = ScoreCalibration.None, DefaultThreshold = 0.3f };
        var (interests, texts) = Arrange(random, options);
        using var fast = new TwoStageScorer(TestData.Sessions(), options);
        var rescorer = new CountingRescorer(0.9f);
        var messages = Batch(texts);

        var tiered = new TieredScorer(fast, rescorer).Score(messages, interests);

        Assert.Equal(Keys(fast.Score(messages, interests)), Keys(tiered));
        Assert.Empty(rescorer.Requested);
        Assert.Equal(ScoringTier.Fast, new TieredScorer(fast).Tier);
    }

    [Fact]
    public void The_cascade_rescores_exactly_the_pairs_within_the_margin_and_their_contextual_score_decides()
    {
        var random = new Random(5);
        var options = MarginCascadeOptions();
        var (interests, texts) = Arrange(random, options);
        using var fast = new TwoStageScorer(TestData.Sessions(), options);
        var messages = Batch(texts);
        var everyPair = fast.Score(messages, interests, minScoreOverride: -1);
        var nearThreshold = everyPair.Where(p => p.Score >= interests.Thresholds[p.InterestIndex] - options.CascadeMargin).Select(p => (p.MessageIndex, p.InterestIndex)).Order().ToArray();
        Assert.InRange(nearThreshold.Length, 1, everyPair.Count - 1);
        // Rescored pairs at 0.9 (0.75 on the fast scale) pass; those at 0.2 (0.4) fail, whatever their fast score.
        var rescorer = new CountingRescorer(0.9f, pair => pair.Interest % 2 == 0);

        var matches = new TieredScorer(fast, rescorer).Score(messages, interests);

        Assert.Equal(nearThreshold, rescorer.Requested.Order().ToArray());
        Assert.All(rescorer.Texts, t => Assert.Equal(texts, t));
        Assert.Equal(nearThreshold.Where(p => p.InterestIndex % 2 == 0).ToArray(), Keys(matches).Order().ToArray());
        Assert.All(matches, m => Assert.Equal(0.75f, m.Score, 5));
    }

    [Fact]
    public void A_contextual_score_is_every_twins_the_interest_far_from_its_threshold_too_unless_it_was_rescored_itself()
    {
        // One phrase followed with two thresholds: at its fast score (rescored) and far above it (not rescored), and
        // another phrase with that higher threshold. The contextual model says 0.9 (0.75 on the fast scale): the
        // phrase is what the message is about, for both who follow it.
        var options = MarginCascadeOptions();
        using var fast = new TwoStageScorer(TestData.Sessions(), options);
        var messages = Batch(["w1 w9 w7 w30 w11 w12 w13"]);
        InterestIndex Index(float near) => InterestIndex.Build(
            [new InterestDefinition("near", "w1 w2", "u", near), new InterestDefinition("far", "w1 w2", "u", 0.74f), new InterestDefinition("other", "w40 w41", "u", 0.74f)],
            _embedder, options);
        var fastScores = fast.Score(messages, Index(0.5f), minScoreOverride: -1).ToDictionary(p => p.InterestIndex, p => p.Score);
        Assert.True(fastScores.Values.Max() < 0.74f - options.CascadeMargin, $"fast scores {string.Join(", ", fastScores)}: none near 0.74");
        var interests = Index(fastScores[0]);
        var rescorer = new CountingRescorer(0.9f);

        var matches = new TieredScorer(fast, rescorer).Score(messages, interests);

        Assert.Equal([(0, 0)], rescorer.Requested);
        Assert.Equal([(0, 0, 0.75f), (0, 1, 0.75f)], matches.Select(m => (m.MessageIndex, m.InterestIndex, MathF.Round(m.Score, 5))).Order());
    }

    [Fact]
    public void The_cascade_rescores_the_pairs_within_the_pair_margin_of_messages_with_a_pair_within_the_margin()
    {
        var random = new Random(5);
        var options = new ScoringOptions { Calibration = ScoreCalibration.None, Tier = ScoringTier.Cascade, DefaultThreshold = 0.45f, CascadeMargin = 0.1f, CascadePairMargin = 0.3f, ContextualScoreScale = 0.5f, ContextualScoreOffset = 0.3f };
        var (interests, texts) = Arrange(random, options);
        using var fast = new TwoStageScorer(TestData.Sessions(), options);
        var messages = Batch(texts);
        var everyPair = fast.Score(messages, interests, minScoreOverride: -1);
        bool Within(RowMatch pair, float margin) => pair.Score >= interests.Thresholds[pair.InterestIndex] - margin;
        var runMessages = everyPair.Where(p => Within(p, options.CascadeMargin)).Select(p => p.MessageIndex).ToHashSet();
        var expected = everyPair.Where(p => runMessages.Contains(p.MessageIndex) && Within(p, options.CascadePairMargin)).Select(p => (p.MessageIndex, p.InterestIndex)).Order().ToArray();
        // The arrangement has both kinds: messages not run at all, and pairs rescored only for the wider margin.
        Assert.InRange(runMessages.Count, 1, messages.Count - 1);
        Assert.Contains(expected, pair => !Within(everyPair.Single(p => (p.MessageIndex, p.InterestIndex) == pair), options.CascadeMargin));
        var rescorer = new CountingRescorer(0.9f);

        var matches = new TieredScorer(fast, rescorer).Score(messages, interests);

        Assert.Equal(expected, rescorer.Requested.Order().ToArray());
        Assert.Equal(expected, Keys(matches).Order().ToArray());
    }

    [Fact]
    public void The_cascade_rescores_at_most_its_pair_cap_per_message_nearest_their_thresholds_and_the_rest_keep_their_fast_scores()
    {
        var random = new Random(5);
        var options = new ScoringOptions { Calibration = ScoreCalibration.None, Tier = ScoringTier.Cascade, DefaultThreshold = 0.45f, CascadeMargin = 0.1f, CascadePairMargin = 0.4f, ContextualScoreScale = 0.5f, ContextualScoreOffset = 0.3f, CascadeMaxPairsPerMessage = 2 };
        var (interests, texts) = Arrange(random, options);
        using var fast = new TwoStageScorer(TestData.Sessions(), options);
        var messages = Batch(texts);
        var everyPair = fast.Score(messages, interests, minScoreOverride: -1);
        float Distance(RowMatch pair) => Math.Abs(pair.Score - interests.Thresholds[pair.InterestIndex]);
        var runMessages = everyPair.Where(p => p.Score >= interests.Thresholds[p.InterestIndex] - options.CascadeMargin).Select(p => p.MessageIndex).ToHashSet();
        var withinPairMargin = everyPair.Where(p => runMessages.Contains(p.MessageIndex) && p.Score >= interests.Thresholds[p.InterestIndex] - options.CascadePairMargin)
            .GroupBy(p => p.MessageIndex).ToArray();
        var expected = withinPairMargin.SelectMany(pairs => pairs.OrderBy(Distance).ThenBy(p => p.InterestIndex).Take(2)).Select(p => (p.MessageIndex, p.InterestIndex)).Order().ToArray();
        var overCap = withinPairMargin.Sum(pairs => Math.Max(0, pairs.Count() - 2));
        var keptFast = everyPair.Where(p => !expected.Contains((p.MessageIndex, p.InterestIndex)) && p.Score >= interests.Thresholds[p.InterestIndex]).ToArray();
        // The arrangement has messages over the cap, and pairs over it that pass on their fast scores.
        Assert.InRange(overCap, 1, everyPair.Count);
        Assert.Contains(keptFast, p => runMessages.Contains(p.MessageIndex));
        var rescorer = new CountingRescorer(0.9f);
        var scorer = new TieredScorer(fast, rescorer);

        var matches = scorer.Score(messages, interests);

        Assert.Equal(expected, rescorer.Requested.Order().ToArray());
        Assert.Equal(expected.Concat(Keys(keptFast)).Order().ToArray(), Keys(matches).Order().ToArray());
        Assert.Equal(((long)expected.Length, (long)overCap), (scorer.Statistics.RescoredPairs, scorer.Statistics.OverCapPairs));
    }

    [Fact]
    public void The_cascade_runs_at_most_its_message_share_those_with_the_most_pairs_nearest_their_thresholds()
    {
        var random = new Random(5);
        // A quarter: share × messages is exact in binary.
        var share = 0.25;
        var options = new ScoringOptions { Calibration = ScoreCalibration.None, Tier = ScoringTier.Cascade, DefaultThreshold = 0.45f, CascadeMargin = 0.25f, CascadePairMargin = 0.3f, ContextualScoreScale = 0.5f, ContextualScoreOffset = 0.3f, CascadeMaxMessageShare = share };
        var (interests, texts) = Arrange(random, options);
        using var fast = new TwoStageScorer(TestData.Sessions(), options);
        var messages = Batch(texts);
        // Every row its own message (CascadeBudget counts a text once).
        Assert.Equal(messages.Count, texts.Distinct().Count());
        var everyPair = fast.Score(messages, interests, minScoreOverride: -1);
        var unlimited = CascadePairs.Choose(everyPair, interests.Thresholds, messages.Count, options.CascadeMargin, options.CascadePairMargin, options.CascadeMaxPairsPerMessage, out _);
        var priority = CascadeBudget.Priority(everyPair, interests.Thresholds, messages.Count, options.CascadeMargin);
        var nearThreshold = Enumerable.Range(0, messages.Count).Where(m => unlimited[m].Length > 0).ToArray();
        var allowed = messages.Count / 4;
        // The arrangement has more messages near a threshold than the budget allows.
        Assert.InRange(allowed, 1, nearThreshold.Length - 1);
        var kept = nearThreshold.OrderByDescending(m => priority[m]).ThenBy(m => m).Take(allowed).ToHashSet();
        var expected = kept.SelectMany(m => unlimited[m].Select(i => (m, i))).Order().ToArray();
        var rescorer = new CountingRescorer(0.9f);
        var scorer = new TieredScorer(fast, rescorer);

        var matches = scorer.Score(messages, interests);

        Assert.Equal(expected, rescorer.Requested.Order().ToArray());
        // Rescored pairs pass (0.9); the messages over the budget keep their fast scores, and those reaching a threshold match.
        var keptFast = everyPair.Where(p => !kept.Contains(p.MessageIndex) && p.Score >= interests.Thresholds[p.InterestIndex]).ToArray();
        Assert.NotEmpty(keptFast);
        Assert.Equal(expected.Concat(Keys(keptFast)).Order().ToArray(), Keys(matches).Order().ToArray());
        Assert.Equal((allowed, nearThreshold.Length - allowed), (scorer.Statistics.RescoredMessages, scorer.Statistics.OverBudgetMessages));
    }

    [Fact]
    public void Under_sustained_load_the_cascade_rescores_what_the_model_time_budget_allows_and_leaves_the_rest_to_fast_scores()
    {
        var random = new Random(5);
        var options = new ScoringOptions { Calibration = ScoreCalibration.None, Tier = ScoringTier.Cascade, DefaultThreshold = 0.45f, CascadeMargin = 0.25f, CascadePairMargin = 0.3f, ContextualScoreScale = 0.5f, ContextualScoreOffset = 0.3f, CascadeMaxModelTimeShare = 0.5, CascadeModelTimeWindow = TimeSpan.FromSeconds(10) };
        var (interests, texts) = Arrange(random, options);
        using var fast = new TwoStageScorer(TestData.Sessions(), options);
        var messages = Batch(texts);
        var everyPair = fast.Score(messages, interests, minScoreOverride: -1);
        var nearThreshold = CascadePairs.Choose(everyPair, interests.Thresholds, messages.Count, options.CascadeMargin, options.CascadePairMargin, options.CascadeMaxPairsPerMessage, out _).Count(c => c.Length > 0);
        Assert.InRange(nearThreshold, 2, messages.Count);
        var clock = new FakeTimeProvider();
        var started = clock.GetUtcNow();
        var perMessage = TimeSpan.FromMilliseconds(100);
        var rescorer = new CountingRescorer(0.9f, clock: clock, perMessage: perMessage);
        var scorer = new TieredScorer(fast, rescorer, time: clock);

        // The first run, with the bucket full and nothing measured yet, is rescored in full.
        scorer.Score(messages, interests);
        Assert.Equal((nearThreshold, 0L), (scorer.Statistics.RescoredMessages, scorer.Statistics.OverBudgetMessages));
        // Then runs back to back, with half the first run's model time of other work between them: the model wants two
        // thirds of the time, and gets half.
        for (var run = 0; run < 100; run++)
        {
            clock.Advance(perMessage * nearThreshold / 2);
            scorer.Score(messages, interests);
        }

        var statistics = scorer.Statistics;
        var elapsed = (clock.GetUtcNow() - started).TotalSeconds;
        // A run that starts with the bucket empty would be the fast tier's alone (every message counted); the others choose.
        Assert.Equal(0, statistics.FastOnlyMessages % messages.Count);
        var fastOnlyRuns = statistics.FastOnlyMessages / messages.Count;
        Assert.Equal((101L - fastOnlyRuns) * nearThreshold, statistics.RescoredMessages + statistics.OverBudgetMessages);
        Assert.True(statistics.OverBudgetMessages > 0);
        Assert.Equal(statistics.RescoredMessages * perMessage.TotalSeconds, statistics.RescoringTime.TotalSeconds, 6);
        // Half of the time, plus the first run (nothing measured), the full bucket it started with (half the window) and one
        // message of overdraw.
        Assert.InRange(statistics.RescoringTime.TotalSeconds, 0.45 * elapsed, 0.5 * elapsed + perMessage.TotalSeconds * (nearThreshold + 1) + 5);
    }

    [Fact]
    public void With_the_load_budget_empty_the_cascade_returns_the_fast_tiers_matches_without_its_wider_pass()
    {
        var random = new Random(5);
        var options = new ScoringOptions { Calibration = ScoreCalibration.None, Tier = ScoringTier.Cascade, DefaultThreshold = 0.45f, CascadeMargin = 0.25f, CascadePairMargin = 0.3f, ContextualScoreScale = 0.5f, ContextualScoreOffset = 0.3f };
        var (interests, texts) = Arrange(random, options);
        using var fast = new TwoStageScorer(TestData.Sessions(), options);
        // The first text as if cut short: its matches say so, as its row does.
        var messages = Batch(texts);
        messages.Truncated[0] = true;
        var clock = new FakeTimeProvider();
        // Ten seconds of model a message: the first run (nothing measured yet, all allowed) empties the bucket (5 s).
        var rescorer = new CountingRescorer(0.9f, clock: clock, perMessage: TimeSpan.FromSeconds(10));
        var scorer = new TieredScorer(fast, rescorer, time: clock);
        scorer.Score(messages, interests);
        var requested = rescorer.Requested.Count;
        var before = scorer.Statistics;

        var matches = scorer.Score(messages, interests, topKPerMessage: 3);

        Assert.Equal(requested, rescorer.Requested.Count);
        var expected = fast.Score(messages, interests, topKPerMessage: 3);
        Assert.NotEmpty(expected);
        Assert.Contains(expected, m => m.MessageIndex == 0);
        Assert.Equal(expected.Select(m => (m.MessageIndex, m.InterestIndex, m.Score, m.RawScore, m.MessageIndex == 0)),
            matches.Select(m => (m.MessageIndex, m.InterestIndex, m.Score, m.RawScore, m.Truncated)));
        // What the cascade's wider pass keeps when it may rescore nothing (a message share of 0, no load budget).
        var noneOptions = new ScoringOptions { Calibration = ScoreCalibration.None, Tier = ScoringTier.Cascade, DefaultThreshold = 0.45f, CascadeMargin = 0.25f, CascadePairMargin = 0.3f, ContextualScoreScale = 0.5f, ContextualScoreOffset = 0.3f, CascadeMaxMessageShare = 0, CascadeMaxModelTimeShare = 0 };
        using var noneFast = new TwoStageScorer(TestData.Sessions(), noneOptions);
        var noneRescored = new TieredScorer(noneFast, new CountingRescorer(0.9f)).Score(messages, interests, topKPerMessage: 3);
        Assert.Equal(noneRescored.Select(m => (m.MessageIndex, m.InterestIndex, m.Score, m.RawScore, m.Truncated)),
            matches.Select(m => (m.MessageIndex, m.InterestIndex, m.Score, m.RawScore, m.Truncated)));
        var statistics = scorer.Statistics;
        Assert.Equal((messages.Count, 0L, 0L), (statistics.FastOnlyMessages - before.FastOnlyMessages, statistics.RescoredMessages - before.RescoredMessages, statistics.OverBudgetMessages - before.OverBudgetMessages));
    }

    [Fact]
    public void A_pair_margin_below_the_margin_is_rejected()
    {
        var options = new ScoringOptions { CascadeMargin = 0.4f, CascadePairMargin = 0.3f };
        var errors = new List<ValidationResult>();
        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true));
        Assert.Contains(errors, e => e.MemberNames.Contains(nameof(ScoringOptions.CascadePairMargin)));
    }

    [Fact]
    public void The_cascade_reports_every_pair_under_an_override_with_rescored_ones_on_the_fast_scale()
    {
        var random = new Random(8);
        var options = new ScoringOptions { Calibration = ScoreCalibration.None, Tier = ScoringTier.Cascade, DefaultThreshold = 0.45f, CascadeMargin = 0.25f, ContextualScoreScale = 0.5f, ContextualScoreOffset = 0 };
        var (interests, texts) = Arrange(random, options);
        using var fast = new TwoStageScorer(TestData.Sessions(), options);
        var messages = Batch(texts);
        var scorer = new TieredScorer(fast, new CountingRescorer(0.9f));

        var all = scorer.Score(messages, interests, minScoreOverride: -1);

        Assert.Equal(messages.Count * interests.Count, all.Count);
        var statistics = scorer.Statistics;
        Assert.Equal((long)messages.Count * interests.Count, statistics.Pairs);
        Assert.Equal(all.Count(m => m.Score == 0.45f), statistics.RescoredPairs);
    }

    [Fact]
    public void The_cascade_gives_the_same_per_interest_floors_run_after_run_and_new_ones_for_new_thresholds_or_an_override()
    {
        var random = new Random(5);
        var options = MarginCascadeOptions();
        var (interests, texts) = Arrange(random, options);
        using var fast = new TwoStageScorer(TestData.Sessions(), options);
        var rescorer = new CountingRescorer(0.9f);
        var scorer = new TieredScorer(fast, rescorer);
        var messages = Batch(texts);
        var other = InterestIndex.Build(interests.Interests.Select(i => i with { Threshold = 0.6f }).ToArray(), _embedder, options);
        void AssertFloors(IEnumerable<float> keptFrom, float[]? floors)
        {
            // On the contextual scale, a little below: (θ − offset) / scale − 1e-4.
            Assert.Equal(keptFrom.Select(t => (t - 0.3f) / 0.5f - 1e-4f).Select(f => Math.Round(f, 5)), floors!.Select(f => Math.Round(f, 5)));
        }

        scorer.Score(messages, interests);
        scorer.Score(Batch(texts.Reverse().ToArray()), interests);
        scorer.Score(messages, other);
        scorer.Score(messages, other, minScoreOverride: 0.2f);
        scorer.Score(messages, other, minScoreOverride: 0.2f);

        // Arrays the size of the index, formed once for its thresholds: what is kept for an array given again (the
        // calibration's raw thresholds) holds from run to run.
        var given = rescorer.HighlightFrom;
        Assert.Equal(5, given.Count);
        Assert.Same(given[0], given[1]);
        AssertFloors(interests.Thresholds, given[0]);
        Assert.NotSame(given[1], given[2]);
        AssertFloors(other.Thresholds, given[2]);
        Assert.NotEqual(interests.Thresholds, other.Thresholds);
        Assert.NotSame(given[2], given[3]);
        Assert.Same(given[3], given[4]);
        AssertFloors(Enumerable.Repeat(0.2f, other.Count), given[3]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void On_CUDA_the_cascade_rescores_every_pair_of_an_index_within_its_bound_and_of_a_larger_one_the_pairs_near_their_thresholds(int aboveBound)
    {
        var random = new Random(5);
        var options = MarginCascadeOptions();
        var (interests, texts) = Arrange(random, options);
        options.CascadeEveryPairMaxInterests = interests.Count - aboveBound;
        using var fast = new TwoStageScorer(TestData.Sessions(), options);
        var messages = Batch(texts);
        var everyPair = fast.Score(messages, interests, minScoreOverride: -1).Select(p => (p.MessageIndex, p.InterestIndex)).Order().ToArray();
        var rescorer = new CountingRescorer(0.9f);

        new TieredScorer(fast, rescorer, contextualOnCuda: true).Score(messages, interests);

        Assert.Equal(texts.Length * interests.Count, everyPair.Length);
        if (aboveBound == 0)
        {
            Assert.Equal(everyPair, rescorer.Requested.Order().ToArray());
        }
        else
        {
            var onCpu = new CountingRescorer(0.9f);
            new TieredScorer(fast, onCpu).Score(messages, interests);
            Assert.InRange(rescorer.Requested.Count, 1, everyPair.Length - 1);
            Assert.Equal(onCpu.Requested.Order().ToArray(), rescorer.Requested.Order().ToArray());
        }
    }

    [Fact]
    public void The_contextual_tier_rescores_every_pair()
    {
        var random = new Random(9);
        var options = new ScoringOptions { Calibration = ScoreCalibration.None, Tier = ScoringTier.Contextual, DefaultThreshold = 0.5f };
        var (interests, texts) = Arrange(random, options);
        using var fast = new TwoStageScorer(TestData.Sessions(), options);
        var rescorer = new CountingRescorer(0.9f);

        var matches = new TieredScorer(fast, rescorer).Score(Batch(texts), interests);

        Assert.Equal(texts.Length * interests.Count, rescorer.Requested.Count);
        Assert.Equal(texts.Length * interests.Count, matches.Count);
    }

    [Fact]
    public void Calibrated_contextual_scores_are_the_rescorers_as_they_come()
    {
        var random = new Random(11);
        var options = new ScoringOptions { Tier = ScoringTier.Contextual };
        var (interests, texts) = Arrange(random, options);
        using var fast = new TwoStageScorer(TestData.Sessions(), options);

        var matches = new TieredScorer(fast, new CountingRescorer(0.9f, rawScore: 0.3f)).Score(Batch(texts), interests, minScoreOverride: 0);

        Assert.Equal(texts.Length * interests.Count, matches.Count);
        Assert.All(matches, m => Assert.Equal((0.9f, 0.3f), (m.Score, m.RawScore)));
    }

    [Fact]
    public void The_contextual_rescorer_calibrates_each_interest_by_the_contextual_model_against_the_messages_it_scored()
    {
        using var model = new TinyTransformer(seed: 14);
        // The fast provider's key is not the contextual model's: the rescorer must use its own.
        var options = new ScoringOptions { CalibrationKey = "distilled", MinBackgroundMessages = 8, MaxQueriesPerInterest = 3 };
        using var rescorer = new ContextualRescorer(model.Embedder, model.Sessions, options);
        var random = new Random(6);
        var definitions = Enumerable.Range(0, 3).Select(i => new InterestDefinition($"i{i}", TinyTransformer.Text(random, 3), "u", null)).ToArray();
        var texts = Enumerable.Range(0, 20).Select(_ => TinyTransformer.Text(random, 6)).ToArray();
        var every = Enumerable.Range(0, definitions.Length).ToArray();

        var rescored = rescorer.Rescore(texts, InterestIndex.Build(definitions, _embedder, options), texts.Select(_ => every).ToArray());

        // The first batch is the background it is measured against.
        var messages = model.Embedder.Embed(texts);
        var reference = ContextualReference(definitions, model.Embedder, options);
        var raw = every.Select(i => texts.Select((_, m) => (float)Raw(m, i)).ToArray()).ToArray();
        double Raw(int m, int i)
        {
            var (p, a, _) = ReferenceScorer.Score(messages, m, reference, i, options);
            return ReferenceScorer.Combine(p, a, options);
        }
        var calibration = new InterestCalibration(options.CalibrationModels[ContextualRescorer.CalibrationKey],
            raw.Select(r =>
            {
                var (mean, deviation) = InterestStatistics.Of(r);
                return new InterestStatistics(mean, deviation, 0);
            }).ToArray());
        Assert.Equal(texts.Length * definitions.Length, rescored.Count);
        foreach (var match in rescored)
        {
            Assert.Equal(raw[match.InterestIndex][match.MessageIndex], match.RawScore, 1e-5);
            Assert.Equal(calibration.Calibrated(match.InterestIndex, raw[match.InterestIndex][match.MessageIndex]), match.Score, 1e-4);
        }
    }

    [Fact]
    public void The_contextual_tier_scores_only_the_pairs_the_keyword_rules_allow()
    {
        var options = new ScoringOptions { Calibration = ScoreCalibration.None, Tier = ScoringTier.Contextual, DefaultThreshold = 0.5f };
        var interests = InterestIndex.Build(
        [
            new InterestDefinition("any", "w1 w2", "u"),
            new InterestDefinition("needs-w3", "w1 w2", "u", Require: ["w3"]),
            new InterestDefinition("not-w4", "w1 w2", "u", Exclude: ["w4"]),
        ], _embedder, options);
        string[] texts = ["w1 w3", "w1 w4", "w3 w4"];
        using var fast = new TwoStageScorer(TestData.Sessions(), options);
        var rescorer = new CountingRescorer(0.9f);

        var matches = new TieredScorer(fast, rescorer).Score(Batch(texts), interests);

        (int, int)[] allowed = [(0, 0), (0, 1), (0, 2), (1, 0), (2, 0), (2, 1)];
        Assert.Equal(allowed, rescorer.Requested.Order().ToArray());
        Assert.Equal(allowed, Keys(matches).Order().ToArray());
    }

    [Fact]
    public void The_contextual_tier_equals_the_reference_on_a_tiny_transformer()
    {
        using var model = new TinyTransformer(seed: 11);
        var options = ContextualTierOptions();
        using var rescorer = new ContextualRescorer(model.Embedder, model.Sessions, options);
        using var fast = new TwoStageScorer(model.Sessions, options);
        InterestDefinition[] definitions =
        [
            new("cat", "the cat sat", "u", null),
            new("k8s", "kubernetes logs error", "u", 0.1f),
            new("disk", "disk error", "v", null),
        ];
        string[] texts = ["the cat sat on the mat", "kubernetes error logs , disk", "embeddings .", "", "mat on disk"];
        var interests = InterestIndex.Build(definitions, _embedder, options);

        var matches = new TieredScorer(fast, rescorer).Score(Batch(texts), interests, minScoreOverride: -1);

        Assert.Equal(texts.Length * definitions.Length, matches.Count);
        AssertScoredAsReference(matches, model.Embedder.Embed(texts), ContextualReference(definitions, model.Embedder, options), options);
        Assert.Equal(definitions.Length, rescorer.CachedInterests);
    }

    [Fact]
    public void The_contextual_rescorer_scores_exactly_the_chosen_pairs_as_the_reference_in_runs_of_few_interests()
    {
        using var model = new TinyTransformer(seed: 12);
        var options = new ScoringOptions { Calibration = ScoreCalibration.None, MaxQueriesPerInterest = 3 };
        using var rescorer = new ContextualRescorer(model.Embedder, model.Sessions, options);
        var random = new Random(4);
        var definitions = Enumerable.Range(0, 150).Select(i => new InterestDefinition($"i{i}", TinyTransformer.Text(random, 3), "u", null)).ToArray();
        var texts = Enumerable.Range(0, 60).Select(_ => TinyTransformer.Text(random, 6)).ToArray();
        // Each message near the threshold of two interests of its own, some of none: a run of all would score 60 × 150 pairs.
        var chosen = Enumerable.Range(0, texts.Length).Select(m => m % 7 == 3 ? [] : new[] { (2 * m) % 150, (2 * m + 77) % 150 }.Order().ToArray()).ToArray();

        var rescored = rescorer.Rescore(texts, InterestIndex.Build(definitions, _embedder, options), chosen);

        Assert.Equal(chosen.SelectMany((c, m) => c.Select(i => (m, i))).ToArray(), Keys(rescored).Order().ToArray());
        AssertScoredAsReference(rescored, model.Embedder.Embed(texts), ContextualReference(definitions, model.Embedder, options), options);
    }

    [Fact]
    public void The_contextual_rescorer_scores_hundreds_of_chosen_pairs_as_the_reference_across_calls_that_drop_cached_interests()
    {
        using var model = new TinyTransformer(seed: 15);
        // Room for 12 interest texts: each call drops some of the previous one's and rebuilds the word table.
        var options = new ScoringOptions { Calibration = ScoreCalibration.None, MaxQueriesPerInterest = 3, ContextualInterestCacheSize = 12 };
        using var rescorer = new ContextualRescorer(model.Embedder, model.Sessions, options);
        var random = new Random(5);
        // Twins: interests 2k and 2k + 1 follow one text.
        var texts = Enumerable.Range(0, 20).Select(_ => TinyTransformer.Text(random, 3)).ToArray();
        var definitions = Enumerable.Range(0, 40).Select(i => new InterestDefinition($"i{i}", texts[i / 2], $"u{i % 3}", null)).ToArray();
        var interests = InterestIndex.Build(definitions, _embedder, options);
        var reference = ContextualReference(definitions, model.Embedder, options);
        for (var call = 0; call < 3; call++)
        {
            var messages = Enumerable.Range(0, 30).Select(_ => TinyTransformer.Text(random, 6)).ToArray();
            // Runs of three messages that chose the same interests, and some messages of none.
            var chosen = Enumerable.Range(0, messages.Length)
                .Select(m => m % 11 == 10 ? [] : Enumerable.Range(0, 12).Select(k => (7 * (m / 3) + 3 * k + 13 * call) % 40).Distinct().Order().ToArray())
                .ToArray();

            var rescored = rescorer.Rescore(messages, interests, chosen);

            Assert.True(rescored.Count >= 300);
            Assert.Equal(chosen.SelectMany((c, m) => c.Select(i => (m, i))).ToArray(), Keys(rescored).Order().ToArray());
            AssertScoredAsReference(rescored, model.Embedder.Embed(messages), reference, options);
        }
        Assert.True(rescorer.CachedInterests <= 2 * 12);
    }

    [Fact]
    public void An_interest_read_back_from_the_store_scores_exactly_as_when_the_model_embedded_it()
    {
        using var model = new TinyTransformer(seed: 17);
        // Room for 4 ready interest texts: the second call finds most of the first call's in the store only.
        var options = new ScoringOptions { Calibration = ScoreCalibration.None, MaxQueriesPerInterest = 3, ContextualInterestCacheSize = 4 };
        var counting = new InterestCountingEmbedder(model.Embedder);
        using var rescorer = new ContextualRescorer(counting, model.Sessions, options);
        using var noStore = new ContextualRescorer(model.Embedder, model.Sessions, options.With(o => o.ContextualInterestStoreSize = 0));
        var random = new Random(9);
        var definitions = Enumerable.Range(0, 12).Select(i => new InterestDefinition($"i{i}", TinyTransformer.Text(random, 3), "u", null)).ToArray();
        var interests = InterestIndex.Build(definitions, _embedder, options);
        var texts = Enumerable.Range(0, 6).Select(_ => TinyTransformer.Text(random, 6)).ToArray();
        var every = Enumerable.Range(0, definitions.Length).ToArray();
        List<RowMatch> Rescore(ContextualRescorer scorer, int[] chosen) => scorer.Rescore(texts, interests, texts.Select(_ => chosen).ToArray());

        var embedded = Rescore(rescorer, every);
        Rescore(rescorer, [0]);
        var stored = Rescore(rescorer, every);

        // Each interest text went through the model once: the third call read the dropped ones back from the store.
        Assert.Equal(definitions.Length, counting.Texts);
        Assert.Equal(definitions.Length, rescorer.StoredInterests);
        Assert.Equal(embedded.Select(m => (m.MessageIndex, m.InterestIndex, m.Score)), stored.Select(m => (m.MessageIndex, m.InterestIndex, m.Score)));
        Assert.Equal(embedded.Select(m => (m.MessageIndex, m.InterestIndex, m.Score)), Rescore(noStore, every).Select(m => (m.MessageIndex, m.InterestIndex, m.Score)));
        Assert.Equal(0, noStore.StoredInterests);
    }

    [Fact]
    public void The_contextual_rescorer_makes_highlights_only_for_pairs_that_reach_their_floor_and_the_same_ones_as_for_every_pair()
    {
        using var model = new TinyTransformer(seed: 16);
        var options = new ScoringOptions { Calibration = ScoreCalibration.None, MaxQueriesPerInterest = 3 };
        var random = new Random(8);
        var definitions = Enumerable.Range(0, 6).Select(i => new InterestDefinition($"i{i}", TinyTransformer.Text(random, 3), "u", null)).ToArray();
        var texts = Enumerable.Range(0, 12).Select(_ => TinyTransformer.Text(random, 6)).ToArray();
        var every = Enumerable.Range(0, definitions.Length).ToArray();
        var interests = InterestIndex.Build(definitions, _embedder, options);
        // Without calibration a rescorer keeps no state that changes scores.
        using var rescorer = new ContextualRescorer(model.Embedder, model.Sessions, options);
        List<RowMatch> Rescore(float[]? highlightFrom) => rescorer.Rescore(texts, interests, texts.Select(_ => every).ToArray(), highlightFrom);
        var all = Rescore(null);
        // Each interest's floor at its median score: about half the pairs on either side.
        var floors = every.Select(i => all.Where(m => m.InterestIndex == i).Select(m => m.Score).Order().ElementAt(texts.Length / 2)).ToArray();

        var some = Rescore(floors);

        Assert.Equal(all.Select(m => (m.MessageIndex, m.InterestIndex, m.Score)), some.Select(m => (m.MessageIndex, m.InterestIndex, m.Score)));
        Assert.All(all, m => Assert.NotEmpty(m.Highlights));
        Assert.All(some.Zip(all), pair =>
        {
            var (kept, reference) = pair;
            Assert.Equal(kept.Score >= floors[kept.InterestIndex] ? reference.Highlights : [], kept.Highlights);
        });
    }

    [Fact]
    public void The_contextual_tier_finds_a_passage_beyond_the_first_window_of_a_long_message()
    {
        using var model = new TinyTransformer(seed: 13, maxTokens: 8);
        // Windows of 8 word pieces, one every 4, at most 8: 36 pieces covered.
        var options = ContextualTierOptions();
        options.MaxWindows = 8;
        options.WindowOverlap = 0.5;
        using var rescorer = new ContextualRescorer(model.Embedder, model.Sessions, options);
        using var fast = new TwoStageScorer(model.Sessions, options);
        InterestDefinition[] definitions = [new("k8s", "kubernetes logs error", "u", null)];
        const string Filler = "the cat sat on the mat the cat sat on the mat the cat sat on the mat";
        // 22 pieces (the passage in windows 4 and 5 only), and 18 + 24 = 42 pieces, past the windows' 36.
        MessageText[] messages = [new("long", $"{Filler} kubernetes logs error"), new("longer", $"{Filler} {Filler} kubernetes logs error")];
        var scorer = new MessageScorer(_embedder, new TieredScorer(fast, rescorer));
        var interests = scorer.BuildIndex(definitions);

        var matches = scorer.Score(messages, interests, minScoreOverride: -1);

        var windows = model.Embedder.EmbedWindows([messages[0].Text], options.Windows(model.Embedder.MaxTokens));
        var reference = ContextualReference(definitions, model.Embedder, options);
        var windowScores = Enumerable.Range(0, windows.WindowCount(0))
            .Select(w => ReferenceScorer.Score(windows.Rows, w, reference, 0, options))
            .Select(s => ReferenceScorer.Combine(s.Prefilter, s.Attention, options))
            .ToArray();
        Assert.Equal(5, windowScores.Length);
        Assert.True(windowScores.Skip(1).Max() > windowScores[0], "the passage scores higher than the first window");
        var longMatch = Assert.Single(matches, m => m.MessageId == "long");
        Assert.Equal(windowScores.Max(), longMatch.Score, 1e-5);
        Assert.Contains(longMatch.Highlights, h => h.Token == "kubernetes");
        Assert.False(longMatch.Truncated);
        Assert.True(Assert.Single(matches, m => m.MessageId == "longer").Truncated);
    }

    /// <summary>The interests as the contextual tier reads them, for the reference: through half precision (<see cref="ContextualInterestStore"/>).</summary>
    private static InterestIndex ContextualReference(InterestDefinition[] definitions, ITextEmbedder embedder, ScoringOptions options)
    {
        var rows = embedder.Embed(definitions.Select(d => d.Text).ToArray());
        var store = new ContextualInterestStore(embedder.Dimension, options.MaxQueriesPerInterest, capacity: 0);
        var words = new WordTable(embedder.Dimension);
        var queries = definitions.Select((d, i) => InterestQueries.Of(store.Add(d.Text, rows.Row(i)), words, options)).ToArray();
        return InterestIndex.FromQueries(definitions, queries, words, options);
    }

    /// <summary>A cascade without calibration: threshold 0.45, both margins 0.25, contextual scores mapped by 0.5 · s + 0.3.</summary>
    private static ScoringOptions MarginCascadeOptions() => new ScoringOptions { Calibration = ScoreCalibration.None, Tier = ScoringTier.Cascade, DefaultThreshold = 0.45f, CascadeMargin = 0.25f, CascadePairMargin = 0.25f, ContextualScoreScale = 0.5f, ContextualScoreOffset = 0.3f };

    private (InterestIndex Interests, string[] Texts) Arrange(Random random, ScoringOptions options)
    {
        var interests = InterestIndex.Build(
            Enumerable.Range(0, 12).Select(i => new InterestDefinition($"i{i}", Words.Next(random, 1, 4), "u", null)).ToArray(), _embedder, options);
        return (interests, Enumerable.Range(0, 30).Select(_ => Words.Next(random, 1, 8)).ToArray());
    }

    /// <summary>The texts embedded, carrying their texts as the silos' rows do.</summary>
    private TokenBatch Batch(string[] texts)
    {
        var batch = _embedder.Embed(texts);
        texts.CopyTo(batch.Texts, 0);
        return batch;
    }

    /// <summary>The contextual tier on raw scores, its scores as the reference computes them (no scale or offset).</summary>
    private static ScoringOptions ContextualTierOptions() => new()
    {
        Calibration = ScoreCalibration.None,
        Tier = ScoringTier.Contextual,
        DefaultThreshold = 0.2f,
        MaxQueriesPerInterest = 4,
        ContextualScoreScale = 1,
        ContextualScoreOffset = 0,
    };

    /// <summary>Every match scores as the double-precision reference over the contextual model's vectors.</summary>
    private static void AssertScoredAsReference(IEnumerable<RowMatch> matches, TokenBatch messages, InterestIndex reference, ScoringOptions options)
    {
        foreach (var match in matches)
        {
            var (p, a, _) = ReferenceScorer.Score(messages, match.MessageIndex, reference, match.InterestIndex, options);
            Assert.Equal(ReferenceScorer.Combine(p, a, options), match.Score, 1e-5);
        }
    }

    /// <summary>A tiny random transformer in a temporary directory, with its embedder and sessions; the directory goes on dispose.</summary>
    private sealed class TinyTransformer : IDisposable
    {
        private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("tiered-scorer-");

        public TinyTransformer(int seed, int maxTokens = 20)
        {
            var (modelPath, vocabPath) = new TransformerTestModel(seed).WriteTo(_directory.FullName);
            Embedder = new TransformerEmbedder(new TransformerEmbeddingOptions { ModelPath = modelPath, VocabPath = vocabPath, MaxTokens = maxTokens }, Sessions);
        }

        public OnnxSessionFactory Sessions { get; } = TestData.Sessions();

        public TransformerEmbedder Embedder { get; }

        /// <summary><paramref name="count"/> random words of the model's vocabulary (its special tokens left out).</summary>
        public static string Text(Random random, int count)
        {
            var words = TransformerTestModel.Vocabulary[5..];
            return string.Join(' ', Enumerable.Range(0, count).Select(_ => words[random.Next(words.Length)]).Select(w => w.TrimStart('#')));
        }

        public void Dispose()
        {
            Embedder.Dispose();
            _directory.Delete(recursive: true);
        }
    }

    private static (int, int)[] Keys(IEnumerable<RowMatch> matches) => matches.Select(m => (m.MessageIndex, m.InterestIndex)).ToArray();

    /// <summary>The model, counting the texts it embeds whole (the rescorer's interests; its messages go in windows).</summary>
    private sealed class InterestCountingEmbedder(ITextEmbedder model) : ITextEmbedder
    {
        public int Texts { get; private set; }

        public string Name => model.Name;

        public int Dimension => model.Dimension;

        public int MaxTokens => model.MaxTokens;

        public TokenBatch Embed(IReadOnlyList<string> texts)
        {
            Texts += texts.Count;
            return model.Embed(texts);
        }

        public MessageWindows EmbedWindows(IReadOnlyList<string> texts, WindowLayout layout) => model.EmbedWindows(texts, layout);

        public void Dispose()
        {
        }
    }

    /// <summary>
    /// Records the pairs it is asked for; scores each <paramref name="score"/> where <paramref name="passes"/> (else 0.2),
    /// with raw score <paramref name="rawScore"/> (default: the score).
    /// </summary>
    /// <param name="clock">Advanced by <paramref name="perMessage"/> for each message rescored (the model's time).</param>
    private sealed class CountingRescorer(float score, Func<(int Message, int Interest), bool>? passes = null, float? rawScore = null,
        FakeTimeProvider? clock = null, TimeSpan perMessage = default) : IContextualRescorer
    {
        public List<(int Message, int Interest)> Requested { get; } = [];

        public List<IReadOnlyList<string>> Texts { get; } = [];

        public List<float[]?> HighlightFrom { get; } = [];

        public List<RowMatch> Rescore(IReadOnlyList<string> texts, InterestIndex interests, IReadOnlyList<int[]> interestsPerMessage, float[]? highlightFrom = null)
        {
            Texts.Add(texts);
            HighlightFrom.Add(highlightFrom);
            var rescored = new List<RowMatch>();
            for (var m = 0; m < interestsPerMessage.Count; m++)
            {
                foreach (var i in interestsPerMessage[m])
                {
                    Requested.Add((m, i));
                    var given = passes is null || passes((m, i)) ? score : 0.2f;
                    rescored.Add(new RowMatch(m, i, given, 0, []) { RawScore = rawScore ?? given });
                }
            }
            clock?.Advance(perMessage * interestsPerMessage.Count(c => c.Length > 0));
            return rescored;
        }
    }
}
