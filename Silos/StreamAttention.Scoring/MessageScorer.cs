using StreamAttention.Contracts;
using StreamAttention.Embeddings;

namespace StreamAttention.Scoring;

/// <summary>Embeds a batch of messages once and scores it against an interest index: the product's core operation.</summary>
public sealed class MessageMatcher(ITextEmbedder embedder, TwoStageScorer scorer)
{
    public ITextEmbedder Embedder => embedder;

    public TwoStageScorer Scorer => scorer;

    /// <summary>Embeds interests into an index, using the configured default threshold where an interest sets none.</summary>
    public InterestIndex BuildIndex(IReadOnlyList<InterestDefinition> interests)
        => InterestIndex.Build(interests, embedder, scorer.Options);

    public List<InterestMatch> Match(IReadOnlyList<MessageText> messages, InterestIndex index, float? minScoreOverride = null, int topKPerMessage = 0)
    {
        var embedded = embedder.Embed(messages.Select(m => m.Text).ToArray());
        return scorer.Score(embedded, index, minScoreOverride, topKPerMessage)
            .Select(pair =>
            {
                var interest = index.Interests[pair.InterestIndex];
                return new InterestMatch(messages[pair.MessageIndex].Id, interest.Id, interest.UserId, pair.Score, pair.PrefilterScore, pair.Highlights);
            })
            .ToList();
    }
}
