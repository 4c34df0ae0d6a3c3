using StreamAttention.Contracts.Scoring;
using StreamAttention.Onnx;
using StreamAttention.Onnx.Options;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring.Tests;

/// <summary>A long text is scored in windows: a relevant paragraph deep in it is found, on real word vectors.</summary>
[Collection(GloveScorerCollection.Name)]
public sealed class LongTextWindowsTests(GloveScorerFixture glove)
{
    private const string RelevantParagraph =
        "The primary postgresql database crashed overnight and the replica took over. Queries were slow for an hour while the database recovered.";

    /// <summary>
    /// The paragraph alone scores ~0.69 against it, ~0.53 in its window among everyday sentences, ~0.13 when the text is
    /// cut after its first window: the threshold lies between the last two.
    /// </summary>
    private static readonly InterestDefinition DatabaseOutages = new("db-outages", "postgresql database outages", "sre", Threshold: 0.45f);

    [Fact]
    public void A_relevant_paragraph_past_the_first_window_matches_with_highlights_from_it()
    {
        var text = Texts.LongText(RelevantParagraph, wordsBefore: 300, wordsAfter: 170);
        Assert.InRange(text.Split(' ').Length, 490, 510);
        var index = glove.RawScorer.BuildIndex([DatabaseOutages]);

        var windowed = Assert.Single(glove.RawScorer.Score([new MessageText("long", text)], index));
        using var firstWindowOnly = Scorer(new ScoringOptions { Calibration = ScoreCalibration.None, MaxWindows = 1 });
        var cut = firstWindowOnly.Scorer.Score([new MessageText("long", text)], firstWindowOnly.Scorer.BuildIndex([DatabaseOutages]), minScoreOverride: -1);

        Assert.True(Assert.Single(cut).Score < DatabaseOutages.Threshold - 0.2f, $"first window only: {cut[0].Score}");
        Assert.True(Assert.Single(cut).Truncated);
        Assert.False(windowed.Truncated);
        // Words only the paragraph holds (the filler around it has others, which the interest's "outages" may attend to).
        Assert.Equal(["database", "postgresql"], windowed.Highlights.Take(2).Select(h => h.Token).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Short_messages_score_exactly_as_without_windows()
    {
        using var oneWindow = Scorer(new ScoringOptions { Calibration = ScoreCalibration.None, MaxWindows = 1 });
        MessageText[] messages = [new("db", Texts.DatabaseMessage), new("racing", Texts.RacingMessage), new("other", Texts.Unrelated)];

        var windowed = glove.RawScorer.Score(messages, glove.RawScorer.BuildIndex([DatabaseOutages]), minScoreOverride: -1);
        var plain = oneWindow.Scorer.Score(messages, oneWindow.Scorer.BuildIndex([DatabaseOutages]), minScoreOverride: -1);

        Assert.Equal(plain.Select(m => (m.MessageId, m.Score, m.PrefilterScore, m.Truncated)), windowed.Select(m => (m.MessageId, m.Score, m.PrefilterScore, m.Truncated)));
        Assert.Equal(plain.SelectMany(m => m.Highlights), windowed.SelectMany(m => m.Highlights));
    }

    [Fact]
    public void A_text_longer_than_its_windows_is_marked_truncated_and_one_within_them_is_not()
    {
        var index = glove.RawScorer.BuildIndex([DatabaseOutages]);
        // Eight windows of 64 known words at stride 32 hold 288; the paragraph itself has 14 known words.
        MessageText[] messages =
        [
            new("within", Texts.LongText(RelevantParagraph, wordsBefore: 100, wordsAfter: 100)),
            new("beyond", Texts.LongText(RelevantParagraph, wordsBefore: 100, wordsAfter: 900)),
        ];

        var matches = glove.RawScorer.Score(messages, index, minScoreOverride: -1);

        Assert.Equal([("within", false), ("beyond", true)], matches.Select(m => (m.MessageId, m.Truncated)));
    }

    [Fact]
    public void Both_engines_keep_the_same_best_windows()
    {
        using var perPair = Scorer(new ScoringOptions { Calibration = ScoreCalibration.None, Engine = ScoringEngine.PerPair });
        MessageText[] messages =
        [
            new("deep", Texts.LongText(RelevantParagraph, wordsBefore: 300, wordsAfter: 170)),
            new("early", Texts.LongText(RelevantParagraph, wordsBefore: 20, wordsAfter: 600)),
            new("short", Texts.DatabaseMessage),
            new("noise", Texts.LongText("", wordsBefore: 400, wordsAfter: 0)),
        ];
        InterestDefinition[] interests = [DatabaseOutages, new("racing", Texts.RacingInterest, "fan"), new("food", "chocolate cake recipes", "cook")];

        var shared = glove.RawScorer.Score(messages, glove.RawScorer.BuildIndex(interests), minScoreOverride: -1);
        var pairs = perPair.Scorer.Score(messages, perPair.Scorer.BuildIndex(interests), minScoreOverride: -1);

        Assert.Equal(messages.Length * interests.Length, shared.Count);
        Assert.Equal(shared.Select(m => (m.MessageId, m.InterestId, m.Truncated)), pairs.Select(m => (m.MessageId, m.InterestId, m.Truncated)));
        Assert.All(shared.Zip(pairs), p => Assert.Equal(p.First.Score, p.Second.Score, 4));
        Assert.Equal(shared.Select(m => m.Highlights[0].Token), pairs.Select(m => m.Highlights[0].Token));
    }

    private ScorerOnGlove Scorer(ScoringOptions options) => new(glove.RawScorer, options);

    /// <summary>The fixture's embedder behind other scoring options.</summary>
    private sealed class ScorerOnGlove : IDisposable
    {
        private readonly TwoStageScorer _twoStage;

        public ScorerOnGlove(MessageScorer glove, ScoringOptions options)
        {
            _twoStage = new TwoStageScorer(new OnnxSessionFactory(new OnnxRuntimeOptions()), options);
            Scorer = new MessageScorer(glove.Embedder, _twoStage);
        }

        public MessageScorer Scorer { get; }

        public void Dispose() => _twoStage.Dispose();
    }
}
