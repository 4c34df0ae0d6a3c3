using StreamAttention.Embeddings;
using StreamAttention.Onnx;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring.Cascade;

/// <summary>
/// Scores chosen pairs with the two-stage formula on contextual token vectors (MiniLM's hidden states): only the
/// messages that have a chosen pair go through the model, in the embedder's batches, then runs of messages against an
/// index of only the interests they chose, whose vectors come from <see cref="ContextualInterestRows"/>. Scores are on
/// the contextual scale.
/// </summary>
public sealed class ContextualRescorer : IContextualRescorer, IDisposable
{
    /// <summary>Message × interest products below which a run is not split: small runs cost more in overhead than in padding pairs.</summary>
    private const int MinPairsPerRun = 4096;

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
        var rescored = new List<RowMatch>();
        if (messages.Length == 0)
        {
            return rescored;
        }
        var embedded = _embedder.Embed(messages.Select(m => texts[m]).ToArray());
        foreach (var (start, end) in Runs(messages, interestsPerMessage))
        {
            var batch = start == 0 && end == messages.Length
                ? embedded
                : TokenBatch.FromRows(Enumerable.Range(start, end - start).Select(k => embedded.Row(k)).ToArray(), embedded.Dimension);
            ScoreRun(batch, messages.AsSpan(start, end - start).ToArray(), interests, interestsPerMessage, rescored);
        }
        return rescored;
    }

    /// <summary>
    /// Consecutive messages scored together against the union of their interests, as long as that product stays within
    /// twice their chosen pairs (plus <see cref="MinPairsPerRun"/>): with many interests, messages near different
    /// thresholds would otherwise pay for every pair of the union.
    /// </summary>
    private static IEnumerable<(int Start, int End)> Runs(int[] messages, IReadOnlyList<int[]> interestsPerMessage)
    {
        var union = new HashSet<int>();
        long pairs = 0;
        var start = 0;
        for (var k = 0; k < messages.Length; k++)
        {
            var chosen = interestsPerMessage[messages[k]];
            var grown = union.Count + chosen.Count(i => !union.Contains(i));
            if (k > start && (long)(k - start + 1) * grown > 2 * (pairs + chosen.Length) + MinPairsPerRun)
            {
                yield return (start, k);
                (start, pairs) = (k, 0);
                union.Clear();
            }
            union.UnionWith(chosen);
            pairs += chosen.Length;
        }
        yield return (start, messages.Length);
    }

    /// <summary>Scores <paramref name="batch"/> (the texts <paramref name="messages"/>) against the interests they chose; keeps only the chosen pairs.</summary>
    private void ScoreRun(TokenBatch batch, int[] messages, InterestIndex interests, IReadOnlyList<int[]> interestsPerMessage, List<RowMatch> rescored)
    {
        var involved = messages.SelectMany(m => interestsPerMessage[m]).Distinct().Order().ToArray();
        var definitions = involved.Select(i => interests.Interests[i]).ToArray();
        var subIndex = InterestIndex.FromRows(definitions, _interestRows.Get(definitions.Select(d => d.Text).ToArray()), _embedder.Dimension, _scorer.Options);
        var wanted = new bool[involved.Length];
        var current = -1;
        // Matches come ordered by message.
        foreach (var match in _scorer.Score(batch, subIndex, minScoreOverride: float.NegativeInfinity))
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
    }

    public void Dispose()
    {
        _scorer.Dispose();
        _embedder.Dispose();
    }
}
