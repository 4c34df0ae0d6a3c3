using StreamAttention.Contracts.Scoring;

namespace StreamAttention.Scoring.Tests;

/// <summary>Why the product attends: on real word vectors, one relevant sentence must not drown in a long message.</summary>
[Collection(GloveScorerCollection.Name)]
public sealed class CrossAttentionBehaviourTests(GloveScorerFixture glove)
{
    private const string RelevantSentence = "The primary postgresql database went down and stopped accepting connections.";

    private static readonly string[] UnrelatedSentences =
    [
        "Lunch today is lasagne with a green salad, and there is cake in the kitchen for Maria's birthday.",
        "The football team won on Saturday after a late goal from the new striker.",
        "Please remember to submit your travel expenses before the end of the month.",
        "The weather should be sunny this weekend, perfect for the company picnic by the lake.",
        "Our book club meets on Thursday to discuss the second half of the novel.",
    ];

    private static readonly InterestDefinition DatabaseOutages = new("db-outages", "database outages", "sre");

    [Fact]
    public void A_long_message_with_one_relevant_sentence_scores_higher_under_cross_attention_than_under_pooled_cosine()
    {
        var longMessage = string.Join(' ', UnrelatedSentences[..3].Append(RelevantSentence).Concat(UnrelatedSentences[3..]));
        var index = glove.RawScorer.BuildIndex([DatabaseOutages]);

        var matches = glove.RawScorer.Score([new MessageText("long", longMessage), new MessageText("short", RelevantSentence)], index, minScoreOverride: -1);

        var inLong = matches.Single(m => m.MessageId == "long");
        var alone = matches.Single(m => m.MessageId == "short");
        var attention = glove.RawScorer.Options.AttentionWeight;
        var attentionScore = (inLong.Score - (1 - attention) * inLong.PrefilterScore) / attention;
        Assert.True(attentionScore > inLong.PrefilterScore, $"attention {attentionScore:F3} <= pooled {inLong.PrefilterScore:F3}");
        // Pooling dilutes the sentence among the others far more than attention does.
        Assert.True(alone.PrefilterScore - inLong.PrefilterScore > 2 * (alone.Score - inLong.Score),
            $"pooled drop {alone.PrefilterScore - inLong.PrefilterScore:F3}, final drop {alone.Score - inLong.Score:F3}");
        // And attention finds the sentence: the word it weighs most comes from it.
        Assert.Contains(inLong.Highlights[0].Token, RelevantSentence.ToLowerInvariant());
    }

    [Fact]
    public void The_long_relevant_message_outranks_every_unrelated_sentence()
    {
        var messages = UnrelatedSentences.Select((s, i) => new MessageText($"noise-{i}", s))
            .Append(new MessageText("long", string.Join(' ', UnrelatedSentences[..2].Append(RelevantSentence).Concat(UnrelatedSentences[2..]))))
            .ToArray();

        var matches = glove.RawScorer.Score(messages, glove.RawScorer.BuildIndex([DatabaseOutages]), minScoreOverride: -1);

        Assert.Equal("long", matches.MaxBy(m => m.Score)!.MessageId);
        // Pooled cosine alone does not manage that: a noise sentence beats the diluted message.
        Assert.NotEqual("long", matches.MaxBy(m => m.PrefilterScore)!.MessageId);
    }
}
