using StreamAttention.Embeddings;
using StreamAttention.Onnx;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring.Cascade;

/// <summary>
/// Scores chosen pairs with the two-stage formula on contextual token vectors (MiniLM's hidden states): only the
/// messages that have a chosen pair go through the model, in the embedder's batches, against an index of only the
/// interests involved, whose vectors come from <see cref="ContextualInterestRows"/>. Scores are on the contextual scale.
/// </summary>
public sealed class ContextualRescorer : IContextualRescorer, IDisposable
{
    private readonly ITextEmbedder _embedder;
    private readonly TwoStageScorer _scorer;
    private readonly ContextualInterestRows _interestRows;

    public ContextualRescorer(ITextEmbedder embedder, OnnxSessionFactory sessions, ScoringOptions options)
    {
        _embedder = embedder;
        _scorer = new TwoStageScorer(sessions, options);
        _interestRows = new ContextualInterestRows(embedder, options.ContextualInterestCacheSize);
    }

    public ITextEmbedder Embedder => _embedder;

    /// <summary>Interest texts whose contextual vectors are kept now.</summary>
    public int CachedInterests => _interestRows.Count;

    public List<RowMatch> Rescore(IReadOnlyList<string> texts, InterestIndex interests, IReadOnlyList<int[]> interestsPerMessage)
    {
        if (interestsPerMessage.Count != texts.Count)
        {
            throw new ArgumentException($"{interestsPerMessage.Count} interest lists for {texts.Count} messages.", nameof(interestsPerMessage));
        }
        var messages = Enumerable.Range(0, texts.Count).Where(m => interestsPerMessage[m].Length > 0).ToArray();
        if (messages.Length == 0)
        {
            return [];
        }
        var involved = messages.SelectMany(m => interestsPerMessage[m]).Distinct().Order().ToArray();
        var definitions = involved.Select(i => interests.Interests[i]).ToArray();
        var rows = _interestRows.Get(definitions.Select(d => d.Text).ToArray());
        var subIndex = InterestIndex.FromRows(definitions, rows, _embedder.Dimension, _scorer.Options);
        var embedded = _embedder.Embed(messages.Select(m => texts[m]).ToArray());

        // Every pair of the chosen messages and involved interests is scored (the attention is cheap next to the model
        // run); only the chosen ones are kept. Matches come ordered by message.
        var wanted = new bool[involved.Length];
        var current = -1;
        var rescored = new List<RowMatch>();
        foreach (var match in _scorer.Score(embedded, subIndex, minScoreOverride: float.NegativeInfinity))
        {
            if (match.MessageIndex != current)
            {
                Array.Clear(wanted);
                foreach (var i in interestsPerMessage[messages[match.MessageIndex]])
                {
                    wanted[Array.BinarySearch(involved, i)] = true;
                }
                current = match.MessageIndex;
            }
            if (wanted[match.InterestIndex])
            {
                rescored.Add(match with { MessageIndex = messages[match.MessageIndex], InterestIndex = involved[match.InterestIndex] });
            }
        }
        return rescored;
    }

    public void Dispose()
    {
        _scorer.Dispose();
        _embedder.Dispose();
    }
}
