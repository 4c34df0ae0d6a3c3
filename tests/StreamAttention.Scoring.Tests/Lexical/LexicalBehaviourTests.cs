using StreamAttention.Contracts.Scoring;
using StreamAttention.Onnx;
using StreamAttention.Onnx.Options;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring.Tests.Lexical;

/// <summary>Why term evidence: in ops streams the exact host name or error code is what the person asked about.</summary>
[Collection(GloveScorerCollection.Name)]
public sealed class LexicalBehaviourTests(GloveScorerFixture glove)
{
    private static readonly MessageText[] Stream =
    [
        new("exact-host", "Replication lag on db-eu-1 reached 40 seconds after the failover."),
        new("other-host", "Replication lag on db-us-7 reached 40 seconds after the failover."),
        new("exact-code", "Nightly report failed with ORA-01555 on the warehouse."),
        new("other-code", "Nightly report failed with ORA-00942 on the warehouse."),
        new("noise-1", "The team lunch moves to Thursday this week."),
        new("noise-2", "New laptops arrive for the support staff on Monday."),
        new("noise-3", "The quarterly review slides are in the shared folder."),
    ];

    private List<MessageMatch> Score(InterestDefinition interest, float lexicalWeight)
    {
        using var twoStage = new TwoStageScorer(new OnnxSessionFactory(new OnnxRuntimeOptions()), new ScoringOptions { Calibration = ScoreCalibration.None, LexicalWeight = lexicalWeight });
        var scorer = new MessageScorer(glove.RawScorer.Embedder, twoStage);
        return scorer.Score(Stream, scorer.BuildIndex([interest]), minScoreOverride: -1);
    }

    [Theory]
    [InlineData("replication lag on db-eu-1", "exact-host", "other-host")]
    [InlineData("ORA-01555 errors in nightly reports", "exact-code", "other-code")]
    public void An_interest_naming_a_host_or_error_code_ranks_the_message_with_that_exact_term_first(string text, string exact, string similar)
    {
        var interest = new InterestDefinition("ops", text);
        var matches = Score(interest, lexicalWeight: 0.2f);
        var semanticOnly = Score(interest, lexicalWeight: 0);

        Assert.Equal(exact, matches.MaxBy(m => m.Score)!.MessageId);
        // The word vectors barely tell the two apart (GloVe drops the numbers); the exact term does.
        Assert.True(Margin(matches, exact, similar) > Margin(semanticOnly, exact, similar) + 0.01,
            $"margin {Margin(matches, exact, similar):F3} with term evidence, {Margin(semanticOnly, exact, similar):F3} without");
    }

    private static float Margin(List<MessageMatch> matches, string exact, string similar)
        => matches.Single(m => m.MessageId == exact).Score - matches.Single(m => m.MessageId == similar).Score;

    [Fact]
    public void Require_and_exclude_hold_whatever_the_scores()
    {
        var matches = Score(new InterestDefinition("ops", "replication lag after failover", Require: ["DB-EU-1"], Exclude: ["staging"]), lexicalWeight: 0);

        Assert.Equal(["exact-host"], matches.Select(m => m.MessageId));
    }
}
