using StreamAttention.Contracts.Scoring;
using StreamAttention.Scoring.Options;
using StreamAttention.Scoring.Tests.Graphs;

namespace StreamAttention.Scoring.Tests;

public sealed class TwoStageScorerTests
{
    private static readonly RandomWordTexts Words = new(60);
    private readonly HashingTestEmbedder _embedder = new();

    private InterestIndex Interests(Random random, int count, ScoringOptions? options = null)
        => InterestIndex.Build(
            Enumerable.Range(0, count).Select(i => new InterestDefinition($"i{i}", Words.Next(random, 1, 4), $"u{i % 3}", i % 5 == 0 ? 0.1f : null)).ToArray(),
            _embedder, options ?? new ScoringOptions { DefaultThreshold = 0.3f });

    [Theory]
    [InlineData(0, InterestQueryMode.Words, ScoringEngine.PerPair)]
    [InlineData(1, InterestQueryMode.Words, ScoringEngine.PerPair)]
    [InlineData(7, InterestQueryMode.Pooled, ScoringEngine.PerPair)]
    [InlineData(0, InterestQueryMode.Words, ScoringEngine.SharedWords)]
    [InlineData(1, InterestQueryMode.Words, ScoringEngine.SharedWords)]
    [InlineData(7, InterestQueryMode.Pooled, ScoringEngine.SharedWords)]
    public void Matches_are_exactly_the_reference_pairs_above_threshold(int seed, InterestQueryMode queries, ScoringEngine engine)
    {
        var random = new Random(seed);
        // The engines' raw scores against the reference formula (calibration has tests of its own).
        var options = new ScoringOptions
        {
            Calibration = ScoreCalibration.None,
            MessageChunkSize = 32,
            MaxPairsPerRun = 50,
            Queries = queries,
            DefaultThreshold = 0.3f,
            MaxQueriesPerInterest = 3,
            Engine = engine,
            MaxWordSlotsPerRun = 200,
        };
        var interests = Interests(random, 25, options);
        var messages = _embedder.Embed(Enumerable.Range(0, 80).Select(_ => Words.Next(random, 1, 14)).ToArray());
        using var scorer = new TwoStageScorer(TestData.Sessions(), options);

        var actual = scorer.Score(messages, interests);

        var expected = new List<(int, int, double, double)>();
        for (var m = 0; m < messages.Count; m++)
        {
            for (var i = 0; i < interests.Count; i++)
            {
                var (p, a, _) = ReferenceScorer.Score(messages, m, interests, i, options);
                var score = ReferenceScorer.Combine(p, a, options);
                if (score >= interests.Thresholds[i] + 1e-4)
                {
                    expected.Add((m, i, score, p));
                }
                else if (score > interests.Thresholds[i] - 1e-4)
                {
                    actual.RemoveAll(x => x.MessageIndex == m && x.InterestIndex == i); // too close to call in float
                }
            }
        }
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Select(e => (e.Item1, e.Item2)).Order(), actual.Select(a => (a.MessageIndex, a.InterestIndex)).Order());
        foreach (var (m, i, score, p) in expected)
        {
            var pair = actual.Single(a => a.MessageIndex == m && a.InterestIndex == i);
            Assert.Equal(score, pair.Score, 1e-5);
            Assert.Equal(p, pair.PrefilterScore, 1e-5);
        }
    }

    [Fact]
    public void Highlights_are_the_most_attended_tokens_with_their_weights()
    {
        var options = new ScoringOptions { HighlightCount = 2, DefaultThreshold = -1 };
        var interests = InterestIndex.Build([new InterestDefinition("db", "w1 w2")], _embedder, options);
        var messages = _embedder.Embed(["w7 w1 w9 w2 w30 w44"]);
        using var scorer = new TwoStageScorer(TestData.Sessions(), options);

        var pair = Assert.Single(scorer.Score(messages, interests));

        var (_, _, weights) = ReferenceScorer.Score(messages, 0, interests, 0, options);
        var top = weights.Select((w, t) => (w, t)).OrderByDescending(x => x.w).Take(2).ToArray();
        Assert.Equal(top.Select(x => messages.TokenTexts[0][x.t]), pair.Highlights.Select(h => h.Token));
        Assert.Equal(top[0].w, pair.Highlights[0].Weight, 1e-5);
        Assert.True(pair.Highlights[0].Weight >= pair.Highlights[1].Weight);
    }

    [Theory]
    [InlineData(ScoringEngine.PerPair)]
    [InlineData(ScoringEngine.SharedWords)]
    public void A_word_repeated_in_the_message_is_one_highlight_weighing_as_its_most_attended_occurrence(ScoringEngine engine)
    {
        var options = new ScoringOptions { HighlightCount = 3, DefaultThreshold = -1, Engine = engine };
        var interests = InterestIndex.Build([new InterestDefinition("db", "w1 w2")], _embedder, options);
        var messages = _embedder.Embed(["w2 w1 w9 w1 w2 w30 w1"]);
        using var scorer = new TwoStageScorer(TestData.Sessions(), options);

        var pair = Assert.Single(scorer.Score(messages, interests));

        var (_, _, weights) = ReferenceScorer.Score(messages, 0, interests, 0, options);
        var byWord = messages.TokenTexts[0].Select((token, t) => (token, w: weights[t])).GroupBy(x => x.token)
            .Select(g => (Token: g.Key, Weight: g.Max(x => x.w))).OrderByDescending(x => x.Weight).ToArray();
        Assert.Equal(4, byWord.Length);
        Assert.Equal(byWord.Take(3).Select(x => x.Token), pair.Highlights.Select(h => h.Token));
        Assert.All(pair.Highlights.Zip(byWord), x => Assert.Equal(x.Second.Weight, x.First.Weight, 1e-5));
    }

    [Theory]
    [InlineData(ScoringEngine.PerPair)]
    [InlineData(ScoringEngine.SharedWords)]
    public void Punctuation_and_function_words_a_contextual_model_keeps_are_never_highlights(ScoringEngine engine)
    {
        // The interest's own words, named as a contextual model's tokens may be: "the", "(" and "Is" draw the most attention.
        var options = new ScoringOptions { HighlightCount = 3, DefaultThreshold = -1, Engine = engine };
        var interests = InterestIndex.Build([new InterestDefinition("db", "w1 w2 w3")], _embedder, options);
        var messages = _embedder.Embed(["w1 w2 w3 w9 w30 w7"]);
        messages.TokenTexts[0] = ["the", "(", "Is", "w9", "w30", "w7"];
        using var scorer = new TwoStageScorer(TestData.Sessions(), options);

        var pair = Assert.Single(scorer.Score(messages, interests));

        var (_, _, weights) = ReferenceScorer.Score(messages, 0, interests, 0, options);
        Assert.True(weights[..3].Min() > weights[3..].Max(), "the interest's own words draw the most attention");
        var shown = Enumerable.Range(3, 3).OrderByDescending(t => weights[t]).Select(t => messages.TokenTexts[0][t]);
        Assert.Equal(shown, pair.Highlights.Select(h => h.Token));
    }

    [Theory]
    [InlineData(ScoringEngine.PerPair)]
    [InlineData(ScoringEngine.SharedWords)]
    public void A_word_whose_occurrences_draw_different_attention_is_highlighted_at_its_most_attended_one(ScoringEngine engine)
    {
        // As contextual vectors do: the same word with another vector where it occurs. Here its first occurrence has an
        // unrelated word's vector and its second the interest word's own.
        // Three highlights of four tokens: every token is kept until the second w1 comes and takes the first one's place.
        var options = new ScoringOptions { HighlightCount = 3, DefaultThreshold = -1, Engine = engine };
        var interests = InterestIndex.Build([new InterestDefinition("db", "w1 w2")], _embedder, options);
        var messages = _embedder.Embed(["w5 w7 w9 w1"]);
        messages.TokenTexts[0] = ["w5", "w1", "w9", "w1"];
        using var scorer = new TwoStageScorer(TestData.Sessions(), options);

        var pair = Assert.Single(scorer.Score(messages, interests));

        var (_, _, weights) = ReferenceScorer.Score(messages, 0, interests, 0, options);
        Assert.True(weights[3] > weights[1], "the second w1 draws more attention than the first");
        var byWord = messages.TokenTexts[0].Select((token, t) => (token, w: weights[t], t)).GroupBy(x => x.token)
            .Select(g => g.MaxBy(x => x.w)).OrderByDescending(x => x.w).ThenBy(x => x.t).ToArray();
        Assert.Equal(3, byWord.Length);
        Assert.Equal(byWord.Select(x => x.token), pair.Highlights.Select(h => h.Token));
        Assert.All(pair.Highlights.Zip(byWord), x => Assert.Equal(x.Second.w, x.First.Weight, 1e-5));
    }

    [Fact]
    public void Min_score_minus_one_keeps_every_pair_including_messages_without_known_words()
    {
        var random = new Random(3);
        var interests = Interests(random, 6);
        var messages = _embedder.Embed(["", "?unknown ?words", Words.Next(random, 1, 5), "w3"]);
        using var scorer = new TwoStageScorer(TestData.Sessions(), new ScoringOptions { Calibration = ScoreCalibration.None });

        var pairs = scorer.Score(messages, interests, minScoreOverride: -1);

        Assert.Equal(4 * 6, pairs.Count);
        Assert.All(pairs.Where(p => p.MessageIndex < 2), p => Assert.Equal(0f, p.Score));
        Assert.All(pairs.Where(p => p.MessageIndex < 2), p => Assert.Empty(p.Highlights));
        var single = pairs.Where(p => p.MessageIndex == 3).ToArray();
        Assert.All(single, p => Assert.Equal("w3", Assert.Single(p.Highlights).Token));
        Assert.All(single, p => Assert.Equal(1f, p.Highlights[0].Weight, 1e-6));
    }

    [Fact]
    public void Top_k_per_message_keeps_the_best_scores_in_order()
    {
        var random = new Random(11);
        var interests = Interests(random, 30);
        var messages = _embedder.Embed(Enumerable.Range(0, 10).Select(_ => Words.Next(random, 1, 10)).ToArray());
        using var scorer = new TwoStageScorer(TestData.Sessions(), new ScoringOptions());

        var all = scorer.Score(messages, interests, minScoreOverride: -1);
        var top = scorer.Score(messages, interests, minScoreOverride: -1, topKPerMessage: 3);

        Assert.Equal(30, top.Count);
        foreach (var group in all.GroupBy(p => p.MessageIndex))
        {
            Assert.Equal(group.OrderByDescending(p => p.Score).Take(3).Select(p => p.InterestIndex), top.Where(p => p.MessageIndex == group.Key).Select(p => p.InterestIndex));
        }
    }

    [Fact]
    public void Prefilter_top_k_limits_candidates_to_the_best_prefilter_scores()
    {
        var random = new Random(12);
        var interests = Interests(random, 30);
        var messages = _embedder.Embed(Enumerable.Range(0, 10).Select(_ => Words.Next(random, 1, 10)).ToArray());
        using var scorer = new TwoStageScorer(TestData.Sessions(), new ScoringOptions { PrefilterTopK = 4 });

        var pairs = scorer.Score(messages, interests, minScoreOverride: -1);

        Assert.Equal(40, pairs.Count);
        foreach (var group in pairs.GroupBy(p => p.MessageIndex))
        {
            var kept = group.Min(p => p.PrefilterScore);
            var best = Enumerable.Range(0, 30).Select(i => ReferenceScorer.Score(messages, group.Key, interests, i, scorer.Options).Prefilter).OrderDescending().ToArray();
            Assert.Equal(best[3], kept, 1e-5);
        }
    }

    [Fact]
    public void Zero_interests_or_zero_messages_give_no_matches()
    {
        using var scorer = new TwoStageScorer(TestData.Sessions(), new ScoringOptions());
        Assert.Empty(scorer.Score(_embedder.Embed(["w1 w2"]), InterestIndex.Empty(16), minScoreOverride: -1));
        Assert.Empty(scorer.Score(_embedder.Embed([]), Interests(new Random(1), 3), minScoreOverride: -1));
    }

    [Fact]
    public void Duplicate_interest_ids_of_one_user_are_rejected_but_other_users_may_reuse_an_id()
    {
        var error = Assert.Throws<ArgumentException>(() => InterestIndex.Build(
            [new InterestDefinition("a", "w1", "u1"), new InterestDefinition("a", "w2", "u1")], _embedder, new ScoringOptions()));
        Assert.Contains("Duplicate interest id 'a'", error.Message);
        Assert.Equal(2, InterestIndex.Build([new InterestDefinition("a", "w1", "u1"), new InterestDefinition("a", "w2", "u2")], _embedder, new ScoringOptions()).Count);
    }

    [Fact]
    public void Mismatched_dimensions_are_rejected()
    {
        using var scorer = new TwoStageScorer(TestData.Sessions(), new ScoringOptions());
        Assert.Throws<ArgumentException>(() => scorer.Score(new HashingTestEmbedder(dimension: 8).Embed(["w1"]), Interests(new Random(2), 2)));
    }
}
