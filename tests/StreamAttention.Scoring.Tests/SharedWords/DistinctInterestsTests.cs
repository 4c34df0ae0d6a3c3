using StreamAttention.Contracts.Scoring;
using StreamAttention.Scoring.Options;
using StreamAttention.Scoring.SharedWords;
using StreamAttention.Scoring.Tests.Graphs;

namespace StreamAttention.Scoring.Tests.SharedWords;

public sealed class DistinctInterestsTests
{
    private static readonly RandomWordTexts Words = new(40);
    private readonly HashingTestEmbedder _embedder = new(maxTokens: 12);

    [Fact]
    public void Interests_of_the_same_text_form_one_distinct_interest_with_their_lowest_threshold()
    {
        var interests = InterestIndex.Build(
            [new InterestDefinition("a", "w1 w2"), new InterestDefinition("b", "w3"), new InterestDefinition("a2", "w1 w2"), new InterestDefinition("c", "w2 w1"), new InterestDefinition("b2", "w3")],
            _embedder, new ScoringOptions());

        var distinct = DistinctInterests.Build(interests);

        Assert.Equal([0, 1, 0, 2, 1], distinct.Of);
        Assert.Equal([0, 1, 3], distinct.Firsts);
        Assert.Equal([0, 2], distinct.MembersOf(0).ToArray());
        Assert.Equal([3], distinct.MembersOf(2).ToArray());
        var dimension = interests.Dimension;
        Assert.Equal(interests.Queries.Slice(3 * dimension, dimension).ToArray(), distinct.Queries.Slice(2 * dimension, dimension).ToArray());
        Assert.Equal(3, distinct.Words.Offsets.Length - 1);
        // A NaN threshold is reached by no score, so it lowers nothing; a distinct interest of NaN thresholds only is never reached.
        Assert.Equal([0.2f, 0.3f, float.PositiveInfinity], distinct.LowestThresholds([0.5f, 0.3f, 0.2f, float.NaN, float.NaN]));
        var separate = DistinctInterests.Separate(interests);
        Assert.Equal([0, 1, 2, 3, 4], separate.Of);
        Assert.True(interests.Queries.Equals(separate.Queries));
    }

    [Theory]
    [InlineData(-1, 16)]
    [InlineData(-1, 64)]
    [InlineData(0, 16)]
    public void Interests_of_one_text_scored_once_match_exactly_as_each_interest_scored_on_its_own(int clusters, int chunk)
    {
        var random = new Random(7);
        // Many users per text, with thresholds of their own (and keyword rules, applied per interest after the engine).
        var texts = Enumerable.Range(0, 30).Select(_ => Words.Next(random, 1, 5)).ToArray();
        var definitions = Enumerable.Range(0, 240).Select(i => new InterestDefinition($"i{i}", texts[random.Next(texts.Length)], null,
            (i % 4) switch { 0 => 0.25f, 1 => 0.45f, 2 => 0.6f, _ => null }, i % 9 == 0 ? ["w3"] : null)).ToArray();
        var options = new ScoringOptions { Calibration = ScoreCalibration.None, DefaultThreshold = 0.35f, CandidateClusters = clusters, MessageChunkSize = chunk, MaxQueriesPerInterest = 4, HighlightCount = 3 };
        // Top-k scores every interest on its own (twins are ranked one by one); with k above the candidates it keeps them all.
        var separately = new ScoringOptions { Calibration = ScoreCalibration.None, DefaultThreshold = 0.35f, CandidateClusters = clusters, MessageChunkSize = chunk, MaxQueriesPerInterest = 4, HighlightCount = 3, PrefilterTopK = 1_000_000 };
        var interests = InterestIndex.Build(definitions, _embedder, options);
        var messages = _embedder.Embed(["", "?x", "w3", .. Enumerable.Range(0, 60).Select(_ => Words.Next(random, 1, 14))]);
        using var eachOnItsOwn = new TwoStageScorer(TestData.Sessions(), separately);
        using var scorer = new TwoStageScorer(TestData.Sessions(), options);

        var expected = eachOnItsOwn.Score(messages, interests);
        var actual = scorer.Score(messages, interests);

        var distinct = DistinctInterests.Build(interests);
        Assert.InRange(distinct.Count, 2, 30);
        // Some message matches one interest of a text and not another (their thresholds differ).
        Assert.Contains(actual.GroupBy(p => (p.MessageIndex, distinct.Of[p.InterestIndex])), g => g.Count() < distinct.MembersOf(g.Key.Item2).Length);
        Assert.True(expected.Count > 100, $"only {expected.Count} matches");
        Assert.Equal(expected.Select(p => (p.MessageIndex, p.InterestIndex, p.Score, p.PrefilterScore)), actual.Select(p => (p.MessageIndex, p.InterestIndex, p.Score, p.PrefilterScore)));
        Assert.Equal(expected.Select(p => string.Join(' ', p.Highlights)), actual.Select(p => string.Join(' ', p.Highlights)));
    }
}
