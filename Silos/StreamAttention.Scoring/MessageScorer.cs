using StreamAttention.Contracts;
using StreamAttention.Embeddings;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring;

/// <summary>
/// Embeds a batch of messages once and scores it against an interest index, in process: the <see cref="TwoStageScorer"/>
/// behind texts and ids instead of embedded rows (the <c>score</c> and <c>eval</c> commands).
/// </summary>
public sealed class MessageScorer(ITextEmbedder embedder, TwoStageScorer scorer)
{
    public ITextEmbedder Embedder => embedder;

    public ScoringOptions Options => scorer.Options;

    /// <summary>Embeds interests into an index, using the configured default threshold where an interest sets none.</summary>
    public InterestIndex BuildIndex(IReadOnlyList<InterestDefinition> interests)
        => InterestIndex.Build(interests, embedder, scorer.Options);

    /// <summary>The matches of the messages, ordered by message, best score first (see <see cref="TwoStageScorer.Score"/>).</summary>
    public List<MessageMatch> Score(IReadOnlyList<MessageText> messages, InterestIndex index, float? minScoreOverride = null, int topKPerMessage = 0)
    {
        var embedded = embedder.Embed(messages.Select(m => m.Text).ToArray());
        return scorer.Score(embedded, index, minScoreOverride, topKPerMessage)
            .Select(match =>
            {
                var interest = index.Interests[match.InterestIndex];
                return new MessageMatch(messages[match.MessageIndex].Id, interest.Id, interest.UserId, match.Score, match.PrefilterScore, match.Highlights, match.RawScore);
            })
            .ToList();
    }
}
