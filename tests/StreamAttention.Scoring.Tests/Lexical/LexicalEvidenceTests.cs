using StreamAttention.Contracts.Scoring;
using StreamAttention.Embeddings;
using StreamAttention.Scoring.Lexical;
using StreamAttention.Scoring.Options;
using StreamAttention.Scoring.Tests.Graphs;

namespace StreamAttention.Scoring.Tests.Lexical;

/// <summary>Term evidence and keyword rules after either engine, against the double-precision reference.</summary>
public sealed class LexicalEvidenceTests
{
    private static readonly RandomWordTexts Words = new(40);
    private readonly HashingTestEmbedder _embedder = new();

    private TokenBatch Messages(IReadOnlyList<string> texts)
    {
        var batch = _embedder.Embed(texts);
        for (var m = 0; m < texts.Count; m++)
        {
            batch.Texts[m] = texts[m];
        }
        return batch;
    }

    private static ScoringOptions Options(ScoringEngine engine, float lexicalWeight) => new()
    {
        Calibration = ScoreCalibration.None,
        Engine = engine,
        DefaultThreshold = 0.45f,
        LexicalWeight = lexicalWeight,
        LexicalHalfLife = 100_000_000,
        MessageChunkSize = 32,
        MaxPairsPerRun = 50,
        MaxQueriesPerInterest = 3,
        MaxWordSlotsPerRun = 200,
    };

    [Theory]
    [InlineData(0, ScoringEngine.PerPair)]
    [InlineData(0, ScoringEngine.SharedWords)]
    [InlineData(3, ScoringEngine.PerPair)]
    [InlineData(3, ScoringEngine.SharedWords)]
    public void With_term_evidence_matches_are_exactly_the_reference_pairs_so_the_lowered_bound_loses_none(int seed, ScoringEngine engine)
    {
        var random = new Random(seed);
        var options = Options(engine, lexicalWeight: 0.3f);
        var interests = InterestIndex.Build(
            Enumerable.Range(0, 20).Select(i => new InterestDefinition($"i{i}", Words.Next(random, 1, 4), "u")).ToArray(), _embedder, options);
        var texts = Enumerable.Range(0, 60).Select(_ => Words.Next(random, 1, 12)).ToArray();
        var messages = Messages(texts);
        using var scorer = new TwoStageScorer(TestData.Sessions(), options);

        var actual = scorer.Score(messages, interests);

        var expected = new List<(int Message, int Interest, double Score)>();
        var lexicalOnly = 0;
        for (var m = 0; m < messages.Count; m++)
        {
            for (var i = 0; i < interests.Count; i++)
            {
                var (p, a, _) = ReferenceScorer.Score(messages, m, interests, i, options);
                var lexical = ReferenceScorer.TermEvidence(interests.Interests[i].Text, texts[m], texts);
                var score = ReferenceScorer.Combine(p, a, options, lexical);
                if (score >= interests.Thresholds[i] + 1e-3)
                {
                    expected.Add((m, i, score));
                    lexicalOnly += ReferenceScorer.Combine(p, a, options) < interests.Thresholds[i] ? 1 : 0;
                }
                else if (score > interests.Thresholds[i] - 1e-3)
                {
                    actual.RemoveAll(x => x.MessageIndex == m && x.InterestIndex == i); // too close to call in float
                }
            }
        }
        Assert.True(lexicalOnly > 0, "no pair needed the term evidence to match: the test would not check the bound");
        Assert.Equal(expected.Select(e => (e.Message, e.Interest)).Order(), actual.Select(a => (a.MessageIndex, a.InterestIndex)).Order());
        foreach (var (m, i, score) in expected)
        {
            Assert.Equal(score, actual.Single(a => a.MessageIndex == m && a.InterestIndex == i).Score, 1e-3);
        }
        Assert.Equal(actual.OrderBy(a => a.MessageIndex).ThenByDescending(a => a.Score).Select(a => (a.MessageIndex, a.InterestIndex)),
            actual.Select(a => (a.MessageIndex, a.InterestIndex)));
    }

    [Theory]
    [InlineData(ScoringEngine.PerPair, 0f)]
    [InlineData(ScoringEngine.SharedWords, 0f)]
    [InlineData(ScoringEngine.SharedWords, 0.2f)]
    public void Keyword_rules_drop_the_pairs_they_do_not_allow_and_keep_the_others(ScoringEngine engine, float lexicalWeight)
    {
        var options = Options(engine, lexicalWeight);
        var interests = InterestIndex.Build(
        [
            new InterestDefinition("plain", "w1 w2", "u"),
            new InterestDefinition("rules", "w1 w2", "u", Require: ["w3"], Exclude: ["w9 w8"]),
        ], _embedder, options);
        var texts = new[] { "w1 w2", "w1 w2 w3", "w1 w2 w3 w9 w8", "w1 w2 w3 w8 w9", "W1 W2 W3" };
        using var scorer = new TwoStageScorer(TestData.Sessions(), options);

        var matches = scorer.Score(Messages(texts), interests, minScoreOverride: -1);

        Assert.Equal([0, 1, 2, 3, 4], matches.Where(m => m.InterestIndex == 0).Select(m => m.MessageIndex).Order());
        Assert.Equal([1, 3, 4], matches.Where(m => m.InterestIndex == 1).Select(m => m.MessageIndex).Order());
    }

    [Fact]
    public void A_message_without_its_raw_text_has_no_words_so_it_meets_no_requirement()
    {
        var options = Options(ScoringEngine.SharedWords, 0);
        var interests = InterestIndex.Build([new InterestDefinition("rules", "w1", "u", Require: ["w1"])], _embedder, options);
        using var scorer = new TwoStageScorer(TestData.Sessions(), options);

        Assert.Empty(scorer.Score(_embedder.Embed(["w1"]), interests, minScoreOverride: -1));
    }

    [Fact]
    public void The_windows_of_one_message_count_as_one_document_and_equal_texts_of_two_messages_as_two()
    {
        var evidence = new LexicalEvidence(Options(ScoringEngine.SharedWords, 0.3f));
        var interests = InterestIndex.Build([new InterestDefinition("i", "w1", "u")], _embedder, Options(ScoringEngine.SharedWords, 0.3f));
        var longMessage = "w1 w2 w3";
        // Rows 0 and 1 are windows of one message (the same text object); row 2 is another message with equal words.
        var batch = _embedder.Embed([longMessage, longMessage, "w4"]);
        batch.Texts[0] = longMessage;
        batch.Texts[1] = longMessage;
        batch.Texts[2] = new string("w1 w2 w3".AsSpan());

        evidence.Apply(batch, interests, [1f], []);

        Assert.Equal(2, evidence.Statistics!.Documents, 1e-6);
        Assert.Equal(2, evidence.Statistics.DocumentFrequency("w1"), 1e-6);
    }
}
