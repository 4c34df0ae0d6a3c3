using StreamAttention.Embeddings;
using StreamAttention.Embeddings.Windows;
using StreamAttention.Onnx;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring.Cascade;

/// <summary>
/// Scores chosen pairs with the two-stage formula on contextual token vectors (MiniLM's hidden states): only the
/// messages that have a chosen pair go through the model, in the embedder's batches, each text once and in windows as
/// the fast tier cuts long texts (<see cref="ScoringOptions.MaxWindows"/> of the model's MaxTokens word pieces, each
/// window run on its own), then runs of windows against an index of only the interests they chose, whose vectors come
/// from <see cref="ContextualInterestRows"/>; per pair the best window decides. With calibration on, scores are
/// calibrated like the fast tier's (<see cref="Calibration.ScoreCalibrator"/>) by MiniLM's model
/// (<see cref="CalibrationKey"/>), each interest measured against a background of the windows this rescorer scored
/// (in the cascade: of the messages near some threshold); without, they are raw on the contextual scale.
/// </summary>
public sealed class ContextualRescorer : IContextualRescorer, IDisposable
{
    /// <summary>Message × interest products below which a run is not split: small runs cost more in overhead than in padding pairs.</summary>
    private const int MinPairsPerRun = 4096;

    private readonly ITextEmbedder _embedder;
    private readonly TwoStageScorer _scorer;
    private readonly ContextualInterestRows _interestRows;
    private readonly WindowLayout _layout;

    /// <summary>The calibration model of the contextual scores (<see cref="ScoringOptions.CalibrationModels"/>).</summary>
    public const string CalibrationKey = "minilm";

    public ContextualRescorer(ITextEmbedder embedder, OnnxSessionFactory sessions, ScoringOptions options)
    {
        _embedder = embedder;
        // Its own calibration: MiniLM's model, each interest against the windows this rescorer has scored.
        _scorer = new TwoStageScorer(sessions, options.With(o => o.CalibrationKey = CalibrationKey));
        _interestRows = new ContextualInterestRows(embedder, options.ContextualInterestCacheSize);
        _layout = options.Windows(embedder.MaxTokens);
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
        // Each distinct text goes through the model once, for the union of its messages' interests: a long message's
        // fast windows each carry its whole text.
        var textOfMessage = new int[texts.Count];
        var distinct = new List<string>();
        var chosenOfText = new List<HashSet<int>>();
        var byText = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var m = 0; m < texts.Count; m++)
        {
            textOfMessage[m] = -1;
            if (interestsPerMessage[m].Length == 0)
            {
                continue;
            }
            if (!byText.TryGetValue(texts[m], out var text))
            {
                text = distinct.Count;
                byText.Add(texts[m], text);
                distinct.Add(texts[m]);
                chosenOfText.Add([]);
            }
            textOfMessage[m] = text;
            chosenOfText[text].UnionWith(interestsPerMessage[m]);
        }
        var rescored = new List<RowMatch>();
        if (distinct.Count == 0)
        {
            return rescored;
        }
        var best = BestWindows(distinct, chosenOfText.Select(c => c.Order().ToArray()).ToArray(), interests, out var windows);
        for (var m = 0; m < texts.Count; m++)
        {
            if (textOfMessage[m] is var text and >= 0)
            {
                foreach (var i in interestsPerMessage[m])
                {
                    rescored.Add(best[(text, i)] with { MessageIndex = m, Truncated = windows.Truncated(text) });
                }
            }
        }
        rescored.Sort(RowMatchOrder.Instance);
        return rescored;
    }

    /// <summary>
    /// Scores every window of each text (<see cref="ScoringOptions.MaxWindows"/> of the model's MaxTokens word pieces)
    /// against that text's chosen interests; per text and interest the best window's match (its score and highlights).
    /// </summary>
    private Dictionary<(int Text, int Interest), RowMatch> BestWindows(IReadOnlyList<string> texts, int[][] chosenOfText, InterestIndex interests, out MessageWindows windows)
    {
        windows = _embedder.EmbedWindows(texts, _layout);
        var rows = windows.Rows;
        var interestsPerRow = new int[rows.Count][];
        for (var row = 0; row < rows.Count; row++)
        {
            // A window carries its whole text: keyword rules are about the message.
            rows.Texts[row] = texts[windows.TextOf(row)];
            interestsPerRow[row] = chosenOfText[windows.TextOf(row)];
        }
        var rowIndices = Enumerable.Range(0, rows.Count).ToArray();
        var windowMatches = new List<RowMatch>();
        foreach (var (start, end) in Runs(rowIndices, interestsPerRow))
        {
            var batch = start == 0 && end == rows.Count
                ? rows
                : TokenBatch.FromRows(Enumerable.Range(start, end - start).Select(k => rows.Row(k)).ToArray(), rows.Dimension);
            ScoreRun(batch, rowIndices[start..end], interests, interestsPerRow, windowMatches);
        }
        var best = new Dictionary<(int, int), RowMatch>(windowMatches.Count);
        foreach (var (text, match) in windows.BestWindows(windowMatches, m => m.MessageIndex, m => m.InterestIndex, m => m.Score))
        {
            best[(text, match.InterestIndex)] = match;
        }
        return best;
    }

    /// <summary>
    /// Consecutive rows (windows) scored together against the union of their interests, as long as that product stays
    /// within twice their chosen pairs (plus <see cref="MinPairsPerRun"/>): with many interests, messages near different
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

    /// <summary>Scores <paramref name="batch"/> (the rows <paramref name="messages"/>) against the interests they chose; keeps only the chosen pairs.</summary>
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
