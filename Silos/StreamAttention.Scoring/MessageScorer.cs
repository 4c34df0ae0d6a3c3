using StreamAttention.Contracts.Scoring;
using StreamAttention.Embeddings;
using StreamAttention.Embeddings.Windows;
using StreamAttention.Scoring.Cascade;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring;

/// <summary>
/// Embeds a batch of messages once and scores it against an interest index, in process: the <see cref="TieredScorer"/>
/// behind texts and ids instead of embedded rows (the <c>score</c> and <c>eval</c> commands). A long message is scored
/// in windows (<see cref="ScoringOptions.MaxWindows"/>) and each interest keeps its best window.
/// </summary>
public sealed class MessageScorer(ITextEmbedder embedder, TieredScorer scorer)
{
    /// <summary>The configured (fast) tier alone.</summary>
    public MessageScorer(ITextEmbedder embedder, TwoStageScorer scorer)
        : this(embedder, new TieredScorer(scorer))
    {
    }

    public ITextEmbedder Embedder => embedder;

    public ScoringOptions Options => scorer.Options;

    public TieredScorer Tiers => scorer;

    /// <summary>Embeds interests into an index, using the configured default threshold where an interest sets none.</summary>
    /// <param name="cancellationToken">A stop, observed between chunks of interests (<see cref="InterestIndex.Build"/>).</param>
    public InterestIndex BuildIndex(IReadOnlyList<InterestDefinition> interests, CancellationToken cancellationToken = default)
        => InterestIndex.Build(interests, embedder, scorer.Options, cancellationToken);

    /// <summary>The matches of the messages, ordered by message, best score first (see <see cref="TieredScorer.Score"/>).</summary>
    public List<MessageMatch> Score(IReadOnlyList<MessageText> messages, InterestIndex index, float? minScoreOverride = null, int topKPerMessage = 0)
    {
        var texts = messages.Select(m => m.Text).ToArray();
        var windows = embedder.EmbedWindows(texts, scorer.Options.Windows(embedder.MaxTokens));
        // A window carries its whole message's text: keyword rules are about the message.
        for (var row = 0; row < windows.Rows.Count; row++)
        {
            windows.Rows.Texts[row] = texts[windows.TextOf(row)];
        }
        return TwoStageScorer.Limit(BestWindows(windows, scorer.Score(windows.Rows, index, minScoreOverride)), topKPerMessage)
            .Select(match =>
            {
                var interest = index.Interests[match.InterestIndex];
                return new MessageMatch(messages[match.MessageIndex].Id, interest.Id, interest.UserId, match.Score, match.PrefilterScore, match.Highlights,
                    Truncated(windows, match), match.RawScore);
            })
            .ToList();
    }

    /// <summary>Whether the text lay beyond the windows of the tier that scored the match: the contextual tiers cut their own.</summary>
    private bool Truncated(MessageWindows windows, RowMatch match)
        => scorer.Tier == ScoringTier.Fast ? windows.Truncated(match.MessageIndex) : match.Truncated;

    /// <summary>Per message and interest the best window's match, named by message, in <see cref="RowMatchOrder"/>.</summary>
    private static List<RowMatch> BestWindows(MessageWindows windows, List<RowMatch> matches)
    {
        if (windows.Rows.Count == windows.Count)
        {
            return matches;
        }
        var best = windows.BestWindows(matches, m => m.MessageIndex, m => m.InterestIndex, m => m.Score)
            .Select(kept => kept.Match with { MessageIndex = kept.Text })
            .ToList();
        best.Sort(RowMatchOrder.Instance);
        return best;
    }
}
