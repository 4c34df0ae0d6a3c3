using StreamAttention.Contracts.Scoring;
using StreamAttention.Embeddings;
using StreamAttention.Scoring.Lexical;
using StreamAttention.Scoring.Options;
using StreamAttention.Scoring.Tests.Graphs;

namespace StreamAttention.Scoring.Tests.Calibration;

/// <summary>The calibration's measuring pass (<see cref="TwoStageScorer.ScoreEveryPair"/>) against the engine's matches at no threshold, which it replaced.</summary>
public sealed class EveryPairScoresTests
{
    private static readonly RandomWordTexts Words = new(30);
    private readonly HashingTestEmbedder _embedder = new(maxTokens: 12);

    /// <summary>Random messages, one with a long run of words and one of unknown words only.</summary>
    private TokenBatch Messages(Random random)
        => _embedder.Embed(["?x ?y", string.Join(' ', Words.Vocabulary.Take(20)), .. Enumerable.Range(0, 30).Select(_ => Words.Next(random, 1, 14))]);

    /// <summary>Twins (one phrase, two users), the same phrase with keyword rules, words repeated or unknown, and random phrases.</summary>
    private InterestIndex Interests(Random random, ScoringOptions options)
        => InterestIndex.Build(
            [
                new InterestDefinition("a", "w1 w2 w3", "u1"), new InterestDefinition("a", "w1 w2 w3", "u2"),
                new InterestDefinition("b", "w1 w2 w3", "u3", Require: ["w4"]), new InterestDefinition("c", "w2 w5", "u3", Exclude: ["w6"]),
                new InterestDefinition("repeat", "w5 w5 w6"), new InterestDefinition("unknown", "?a ?b"),
                .. Enumerable.Range(0, 30).Select(i => new InterestDefinition($"i{i}", Words.Next(random, 1, 6))),
            ],
            _embedder, options);

    /// <summary>The scores the measurement read before: the engine's matches at no threshold (absent ones 0).</summary>
    private static float[] FromMatches(TwoStageScorer scorer, TokenBatch messages, InterestIndex interests)
    {
        var raw = new float[interests.Count * messages.Count];
        foreach (var pair in scorer.ScoreEveryPairRaw(messages, interests, Enumerable.Repeat(float.PositiveInfinity, interests.Count).ToArray()))
        {
            raw[pair.InterestIndex * messages.Count + pair.MessageIndex] = pair.Score;
        }
        return raw;
    }

    [Theory]
    [InlineData(ScoringEngine.SharedWords, -1, 0)]
    [InlineData(ScoringEngine.SharedWords, 0, 0)]
    [InlineData(ScoringEngine.SharedWords, 3, 0)]
    [InlineData(ScoringEngine.SharedWords, -1, 2)]
    [InlineData(ScoringEngine.PerPair, -1, 0)]
    public void Every_pair_has_bit_for_bit_the_score_of_the_engines_matches(ScoringEngine engine, int clusters, int topK)
    {
        var random = new Random(clusters + 10 * topK);
        var options = new ScoringOptions
        {
            Calibration = ScoreCalibration.None,
            Engine = engine,
            CandidateClusters = clusters,
            ClusterProbes = clusters > 0 ? 1 : 0,
            PrefilterTopK = topK,
            MessageChunkSize = 8,
            MaxWordSlotsPerRun = 200,
        };
        var interests = Interests(random, options);
        var messages = Messages(random);
        using var scorer = new TwoStageScorer(TestData.Sessions(), options);

        var expected = FromMatches(scorer, messages, interests);
        var actual = new float[interests.Count * messages.Count];
        scorer.ScoreEveryPair(messages, interests, actual, messages.Count);

        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
        // The rules' pairs are 0, as absent matches: "b" requires w4, "c" excludes w6.
        var lexical = Enumerable.Range(0, messages.Count).Select(m => LexicalWords.Split(messages.Texts[m])).ToArray();
        Assert.Contains(lexical, w => !w.Contains("w4"));
        Assert.All(Enumerable.Range(0, messages.Count).Where(m => !lexical[m].Contains("w4")), m => Assert.Equal(0f, actual[2 * messages.Count + m]));
    }

    [Fact]
    public void Term_evidence_is_added_against_the_streams_statistics_without_counting_the_measured_messages()
    {
        var random = new Random(5);
        var lexical = new ScoringOptions { Calibration = ScoreCalibration.None, LexicalWeight = 0.2f };
        var interests = Interests(random, lexical);
        var messages = Messages(random);
        using var withTerms = new TwoStageScorer(TestData.Sessions(), lexical);
        using var engineOnly = new TwoStageScorer(TestData.Sessions(), new ScoringOptions { Calibration = ScoreCalibration.None });
        // The stream so far: statistics to read.
        withTerms.Score(_embedder.Embed(Enumerable.Range(0, 20).Select(_ => Words.Next(random, 2, 8)).ToArray()), interests);
        var documents = withTerms.Lexical.Statistics!.Documents;

        var actual = new float[interests.Count * messages.Count];
        withTerms.ScoreEveryPair(messages, interests, actual, messages.Count);

        Assert.Equal(documents, withTerms.Lexical.Statistics.Documents);
        var engine = new float[interests.Count * messages.Count];
        engineOnly.ScoreEveryPair(messages, interests, engine, messages.Count);
        var terms = withTerms.Lexical.TermsOf(interests);
        for (var i = 0; i < interests.Count; i++)
        {
            for (var m = 0; m < messages.Count; m++)
            {
                var words = LexicalWords.Split(messages.Texts[m]);
                var expected = terms.Rules[i] is { } rules && !rules.Allows(words)
                    ? 0f
                    : engine[i * messages.Count + m] + lexical.LexicalWeight * withTerms.Lexical.TermScore(terms.QueryWords[i], words);
                Assert.Equal(expected, actual[i * messages.Count + m]);
            }
        }
    }
}
