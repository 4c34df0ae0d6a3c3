using StreamAttention.Contracts.Scoring;
using StreamAttention.Embeddings;
using StreamAttention.Scoring.Options;
using StreamAttention.Scoring.SharedWords;
using StreamAttention.Scoring.Tests.Graphs;

namespace StreamAttention.Scoring.Tests.SharedWords;

public sealed class SharedWordsScorerTests
{
    private static readonly RandomWordTexts Words = new(40);
    private readonly HashingTestEmbedder _embedder = new(maxTokens: 12);

    /// <summary>Edge cases among random texts: empty, unknown only, one word, repeated words, more than MaxTokens words.</summary>
    private TokenBatch Messages(Random random)
        => _embedder.Embed(["", "?x ?y", "w3", "w3 w3 w3", string.Join(' ', Words.Vocabulary.Take(20)), .. Enumerable.Range(0, 40).Select(_ => Words.Next(random, 1, 14))]);

    /// <summary>Interests sharing words, repeating a word, of unknown words only, and random ones.</summary>
    private InterestIndex Interests(Random random, ScoringOptions options)
        => InterestIndex.Build(
            [
                new InterestDefinition("shared-a", "w1 w2 w3"), new InterestDefinition("shared-b", "w3 w2"), new InterestDefinition("repeat", "w5 w5 w6"),
                new InterestDefinition("unknown", "?a ?b"), new InterestDefinition("single", "w3"),
                .. Enumerable.Range(0, 40).Select(i => new InterestDefinition($"i{i}", Words.Next(random, 1, 6), null, i % 4 == 0 ? 0.1f : null)),
            ],
            _embedder, options);

    [Theory]
    [InlineData(InterestQueryMode.Words, -1, 0)]
    [InlineData(InterestQueryMode.Words, 0, 0)]
    [InlineData(InterestQueryMode.Words, 7, 0)]
    [InlineData(InterestQueryMode.Pooled, 0, 0)]
    [InlineData(InterestQueryMode.Pooled, -1, 0)]
    public void Every_pair_scores_as_the_per_pair_engine_and_the_reference_with_the_same_highlights(InterestQueryMode queries, int clusters, int seed)
    {
        var random = new Random(seed);
        // Raw scores: both engines and the reference compute the formula itself.
        var perPair = new ScoringOptions { Engine = ScoringEngine.PerPair, Queries = queries, MaxQueriesPerInterest = 4, HighlightCount = 3, Calibration = ScoreCalibration.None };
        var shared = new ScoringOptions
        {
            Calibration = ScoreCalibration.None,
            Engine = ScoringEngine.SharedWords,
            Queries = queries,
            MaxQueriesPerInterest = 4,
            HighlightCount = 3,
            CandidateClusters = clusters,
            MessageChunkSize = 16,
            MaxWordSlotsPerRun = 100,
        };
        var interests = Interests(random, perPair);
        var messages = Messages(random);
        using var oldEngine = new TwoStageScorer(TestData.Sessions(), perPair);
        using var newEngine = new TwoStageScorer(TestData.Sessions(), shared);

        var expected = oldEngine.Score(messages, interests, minScoreOverride: -1);
        var actual = newEngine.Score(messages, interests, minScoreOverride: -1);

        Assert.Equal(messages.Count * interests.Count, actual.Count);
        Assert.Equal(expected.Select(p => (p.MessageIndex, p.InterestIndex)).Order(), actual.Select(p => (p.MessageIndex, p.InterestIndex)).Order());
        var byPair = expected.ToDictionary(p => (p.MessageIndex, p.InterestIndex));
        foreach (var pair in actual)
        {
            var old = byPair[(pair.MessageIndex, pair.InterestIndex)];
            var (p, a, weights) = ReferenceScorer.Score(messages, pair.MessageIndex, interests, pair.InterestIndex, perPair);
            Assert.Equal(old.Score, pair.Score, 1e-5);
            Assert.Equal(ReferenceScorer.Combine(p, a, perPair), pair.Score, 1e-5);
            Assert.Equal(p, pair.PrefilterScore, 1e-5);
            Assert.Equal(old.Highlights.Count, pair.Highlights.Count);
            Assert.Equal(pair.Highlights.Count, pair.Highlights.DistinctBy(h => h.Token).Count());
            for (var h = 0; h < pair.Highlights.Count; h++)
            {
                Assert.Equal(old.Highlights[h].Weight, pair.Highlights[h].Weight, 1e-5);
                // A repeated token has one vector, so its first occurrence has the weight of every occurrence.
                var token = Array.IndexOf(messages.TokenTexts[pair.MessageIndex], pair.Highlights[h].Token);
                Assert.Equal(weights[token], pair.Highlights[h].Weight, 1e-5);
            }
        }
    }

    [Fact]
    public void Bound_pruning_and_shared_results_of_same_word_interests_keep_exactly_the_pairs_that_reach_the_threshold()
    {
        var random = new Random(3);
        var options = new ScoringOptions { DefaultThreshold = 0.35f, MaxQueriesPerInterest = 4, MessageChunkSize = 16 };
        var index = Interests(random, options);
        // Twins of existing interests (same text) share their cosines, sums and highlights; a reordering does not.
        // The last pair's first interest is almost never a match (its threshold is 0.99), the second often is.
        var interests = InterestIndex.Build(
            [
                .. index.Interests, new InterestDefinition("twin-a", "w1 w2 w3"), new InterestDefinition("twin-b", "w3 w2", null, 0.1f),
                new InterestDefinition("reordered", "w3 w2 w1"), new InterestDefinition("strict", "w7 w8", null, 0.99f), new InterestDefinition("lenient", "w7 w8", null, 0.1f),
            ],
            _embedder, options);
        var messages = Messages(random);
        using var everyPairScorer = new TwoStageScorer(TestData.Sessions(), options);
        using var scorer = new TwoStageScorer(TestData.Sessions(), options);

        var everyPair = everyPairScorer.Score(messages, interests, minScoreOverride: -1);
        var actual = scorer.Score(messages, interests);

        var expected = everyPair.Where(p => p.Score >= interests.Thresholds[p.InterestIndex]).ToList();
        Assert.True(expected.Count > 20 && expected.Count < everyPair.Count / 2, $"{expected.Count} of {everyPair.Count} pairs pass");
        Assert.Equal(expected.Select(p => (p.MessageIndex, p.InterestIndex, p.Score, p.PrefilterScore)), actual.Select(p => (p.MessageIndex, p.InterestIndex, p.Score, p.PrefilterScore)));
        Assert.Equal(expected.Select(p => string.Join(' ', p.Highlights)), actual.Select(p => string.Join(' ', p.Highlights)));
        var distinct = DistinctInterests.Build(interests);
        Assert.Equal(0, distinct.Firsts[distinct.Of[interests.Count - 5]]);
        Assert.Equal(1, distinct.Firsts[distinct.Of[interests.Count - 4]]);
        Assert.Equal(interests.Count - 3, distinct.Firsts[distinct.Of[interests.Count - 3]]);
        Assert.Equal(interests.Count - 2, distinct.Firsts[distinct.Of[interests.Count - 1]]);
        Assert.Contains(actual, p => p.InterestIndex == interests.Count - 1);
    }

    [Theory]
    [InlineData(0.2f, -1, 16)]
    [InlineData(0.45f, -1, 16)]
    [InlineData(0.7f, -1, 64)]
    [InlineData(0.45f, 0, 16)]
    [InlineData(0.45f, 5, 64)]
    public void Floors_tightened_by_attention_bounds_keep_exactly_the_pairs_and_scores_of_scoring_every_pair(float threshold, int clusters, int chunk)
    {
        var random = new Random(11);
        // Raw scores, so that the threshold is the engine's own; some interests with their own thresholds.
        var options = new ScoringOptions { Calibration = ScoreCalibration.None, DefaultThreshold = threshold, CandidateClusters = clusters, MessageChunkSize = chunk, MaxQueriesPerInterest = 4 };
        var interests = Interests(random, options);
        var messages = Messages(random);
        using var everyPairScorer = new TwoStageScorer(TestData.Sessions(), options);
        using var scorer = new TwoStageScorer(TestData.Sessions(), options);

        var everyPair = everyPairScorer.Score(messages, interests, minScoreOverride: float.NegativeInfinity);
        var actual = scorer.Score(messages, interests);

        var expected = everyPair.Where(p => p.Score >= interests.Thresholds[p.InterestIndex]).ToList();
        Assert.True(expected.Count > 10, $"only {expected.Count} matches");
        Assert.Equal(expected.Select(p => (p.MessageIndex, p.InterestIndex, p.Score, p.PrefilterScore)), actual.Select(p => (p.MessageIndex, p.InterestIndex, p.Score, p.PrefilterScore)));
        Assert.Equal(expected.Select(p => string.Join(' ', p.Highlights)), actual.Select(p => string.Join(' ', p.Highlights)));
    }

    [Fact]
    public void A_bounded_floor_is_never_below_the_lossless_floor_and_never_above_what_the_bound_allows()
    {
        const float weight = 0.6f;
        float[] floor = [-0.5f, -0.5f, -0.5f, -0.5f, float.PositiveInfinity];
        float[] thresholds = [0.4f, 0.4f, 0.4f, float.NegativeInfinity, float.PositiveInfinity];
        float[] bounds = [0.2f, -0.3f, float.NaN, 0.5f, float.PositiveInfinity];

        var tightened = new float[floor.Length];
        BoundedFloors.Write(floor, thresholds, bounds, weight, tightened);

        // (0.4 − 0.6·0.2)/0.4 = 0.7; a negative bound counts as 0 (messages without tokens have attention 0): 1.0.
        Assert.Equal(0.7f, tightened[0], 1e-4);
        Assert.True(tightened[0] <= 0.7f);
        Assert.Equal(1.0f, tightened[1], 1e-4);
        Assert.Equal([-0.5f, -0.5f, float.PositiveInfinity], tightened[2..]);
    }

    [Theory]
    [InlineData(0.0f)]
    [InlineData(0.6f)]
    [InlineData(0.9f)]
    [InlineData(0.99f)]
    public void A_prefilter_cosine_just_under_a_bounded_floor_never_reaches_the_threshold_in_the_scorers_float_sum(float weight)
    {
        var random = new Random(5);
        const int count = 20_000;
        var floor = new float[count];
        var thresholds = new float[count];
        var bounds = new float[count];
        for (var i = 0; i < count; i++)
        {
            thresholds[i] = (float)(random.NextDouble() * 2 - 1);
            // Attention is a weighted mean of cosines, so its bounds are at most 1; negative ones count as 0.
            bounds[i] = (float)(random.NextDouble() * 2.1 - 1.1);
            floor[i] = ThresholdFloorOf(thresholds[i], weight);
        }
        var tightened = new float[count];

        BoundedFloors.Write(floor, thresholds, bounds, weight, tightened);

        var pooledWeight = 1 - weight;
        var tighter = 0;
        for (var i = 0; i < count; i++)
        {
            Assert.True(tightened[i] >= floor[i], $"interest {i}: {tightened[i]} under the floor {floor[i]}");
            if (tightened[i] == floor[i])
            {
                continue;
            }
            // The best attention the bound allows, and the largest cosine under the tightened floor: the sum as the scorer forms it.
            var attention = Math.Max(bounds[i], 0f);
            var under = float.BitDecrement(tightened[i]);
            Assert.True(weight * attention + pooledWeight * under < thresholds[i], $"interest {i}: θ {thresholds[i]}, bound {bounds[i]}, floor {tightened[i]}");
            tighter++;
        }
        // Not a floor that only keeps the lossless one: most bounds are below 1.
        Assert.True(weight == 0 || tighter > count / 2, $"{tighter} of {count} floors tightened");
    }

    private static float ThresholdFloorOf(float threshold, float weight) => (threshold - weight) / (1 - weight);

    [Fact]
    public void Live_interests_are_those_that_some_message_reaches_with_its_cosine()
    {
        // Two messages × five interests; interest 4's cosines are NaN, 1 and 2 reach their floor nowhere.
        float[] similarity = [0.1f, 0.2f, 0.3f, 0.9f, float.NaN, 0.6f, 0.0f, 0.1f, 0.0f, float.NaN];
        float[] floor = [0.5f, 0.5f, 0.5f, 0.5f, 0.5f];
        var live = new LiveInterests();

        Assert.Equal([0, 3, 4], live.Of(similarity, 2, floor));
        // The first message only; a NaN cosine (4) counts as live.
        Assert.Equal([0, 4], live.Of(similarity, 1, [0.05f, 0.5f, 0.5f, 1f, 0.5f]));
    }

    [Fact]
    public void Interest_words_are_stored_once_and_repeats_within_an_interest_merge()
    {
        var interests = InterestIndex.Build(
            [new InterestDefinition("a", "w1 w2 w3"), new InterestDefinition("b", "w3 w2"), new InterestDefinition("c", "w5 w5"), new InterestDefinition("d", "?x")],
            _embedder, new ScoringOptions());

        var words = InterestWords.Build(interests, [0, 1, 2, 3]);

        Assert.Equal(4, words.Count);
        Assert.Equal([0, 3, 5, 6, 6], words.Offsets);
        Assert.Equal(1f, words.Weights[5], 1e-6);
        Assert.Equal(words.Columns[2], words.Columns[3]);
        Assert.Equal(words.Columns[1], words.Columns[4]);
    }

    [Fact]
    public void An_interests_bound_is_its_best_score_over_the_chunk_at_most_and_none_with_a_negative_weight()
    {
        var random = new Random(8);
        var options = new ScoringOptions { Engine = ScoringEngine.SharedWords };
        var interests = Interests(random, options);
        var messages = Messages(random);
        // An embedder's own token weights may be negative: one interest's first word here.
        var negative = Enumerable.Range(0, interests.Count).First(i => interests.QueryOffsets[i + 1] - interests.QueryOffsets[i] >= 2);
        interests.QueryWordWeights[interests.QueryOffsets[negative]] = -0.5f;
        var all = Enumerable.Range(0, interests.Count).ToArray();
        var words = InterestWords.Build(interests, all);
        using var attention = new SharedWordAttention(TestData.Sessions(), options);

        attention.Run(messages, 0, messages.Count, words, all.ToList());

        Assert.True(words.HasNegativeWeights);
        Assert.Equal(float.PositiveInfinity, attention.AttentionBounds[negative]);
        var withTokens = Enumerable.Range(0, messages.Count).Where(m => messages.TokenCount(m) > 0).ToArray();
        var reached = 0;
        foreach (var i in all.Where(i => i != negative))
        {
            var best = withTokens.Max(m => attention.InterestScore(attention.WordScores(m), i, words));
            // Exact in float, not a margin: summed in the scores' own order.
            Assert.True(best <= attention.AttentionBounds[i], $"interest {i}: score {best} above its bound {attention.AttentionBounds[i]}");
            reached += best == attention.AttentionBounds[i] ? 1 : 0;
        }
        Assert.True(reached > 0, "no interest's bound is its best score");
    }

    [Fact]
    public void Attending_every_word_or_only_the_live_interests_words_gives_the_same_scores_bounds_and_attention()
    {
        var random = new Random(3);
        var options = new ScoringOptions { Engine = ScoringEngine.SharedWords, MaxWordSlotsPerRun = 100 };
        var interests = Interests(random, options);
        var messages = Messages(random);
        var all = Enumerable.Range(0, interests.Count).ToArray();
        // Under half of the interests live: only their words attend.
        var few = all.Where(i => i % 3 == 1).ToArray();
        var words = InterestWords.Build(interests, all);
        // The same interests in another order: other columns, so the vectors gathered for the first words no longer hold.
        var reordered = InterestWords.Build(interests, all.Reverse().ToArray());
        const int count = 12;
        using var every = new SharedWordAttention(TestData.Sessions(), options);
        using var live = new SharedWordAttention(TestData.Sessions(), options);

        live.Run(messages, 0, count, words, few);
        var expected = Attended(live, words, few);
        every.Run(messages, 0, count, words, all);
        var actual = Attended(every, words, few);
        every.Run(messages, 0, count, reordered, all.Select(i => all.Length - 1 - i).ToArray());
        var afterReorder = Attended(every, reordered, few.Select(i => all.Length - 1 - i).ToArray());
        live.Run(messages, 0, count, words, all);

        Assert.False(expected.AllWords);
        Assert.Equal(few.SelectMany(i => words.Columns[words.Offsets[i]..words.Offsets[i + 1]]).Distinct().Count(), expected.WordCount);
        Assert.True(actual.AllWords);
        Assert.True(live.AttendedAllWords);
        Assert.Equal(words.Count, actual.WordCount);
        Assert.True(expected.WordCount < actual.WordCount);
        Assert.Equal(expected.Values.Length, actual.Values.Length);
        Assert.Equal(expected.Values.Length, afterReorder.Values.Length);
        for (var k = 0; k < expected.Values.Length; k++)
        {
            Assert.Equal(expected.Values[k], actual.Values[k], 1e-6);
            Assert.Equal(expected.Values[k], afterReorder.Values[k], 1e-6);
        }

        // Each interest's bound, its score per message with tokens, and its attention over each such message's tokens.
        (bool AllWords, int WordCount, float[] Values) Attended(SharedWordAttention attention, InterestWords attended, int[] chosen)
        {
            var values = new List<float>();
            foreach (var i in chosen)
            {
                values.Add(attention.AttentionBounds[i]);
                for (var m = 0; m < count; m++)
                {
                    var tokens = messages.TokenTexts[m].Length;
                    if (messages.TokenCount(m) == 0)
                    {
                        continue;
                    }
                    values.Add(attention.InterestScore(attention.WordScores(m), i, attended));
                    var average = new float[tokens];
                    attention.AverageAttention(messages, m, i, attended, average);
                    values.AddRange(average);
                }
            }
            return (attention.AttendedAllWords, attention.WordCount, [.. values]);
        }
    }

    [Fact]
    public void Exact_clusters_lose_no_match_of_the_exhaustive_candidates_on_thousands_of_interests()
    {
        var random = new Random(5);
        var embedder = new HashingTestEmbedder(dimension: 8);
        // Few dimensions and short texts make pooled vectors close together, so many pairs pass the floor.
        var texts = Enumerable.Range(0, 3000).Select(_ => Words.Next(random, 1, 3)).ToArray();
        var options = new ScoringOptions { DefaultThreshold = 0.6f, CandidateClusters = -1 };
        var interests = InterestIndex.Build(texts.Select((t, i) => new InterestDefinition($"i{i}", t, null, i % 3 == 0 ? 0.75f : null)).ToArray(), embedder, options);
        var messages = embedder.Embed(Enumerable.Range(0, 60).Select(_ => Words.Next(random, 1, 10)).ToArray());
        using var exhaustive = new TwoStageScorer(TestData.Sessions(), options);
        using var clustered = new TwoStageScorer(TestData.Sessions(), new ScoringOptions { DefaultThreshold = 0.6f, CandidateClusters = 0 });

        var expected = exhaustive.Score(messages, interests);
        var actual = clustered.Score(messages, interests);

        Assert.True(expected.Count > 100, $"only {expected.Count} matches");
        Assert.Equal(expected.Select(p => (p.MessageIndex, p.InterestIndex)), actual.Select(p => (p.MessageIndex, p.InterestIndex)));
    }
}
