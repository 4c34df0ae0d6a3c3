using StreamAttention.Embeddings;
using StreamAttention.Embeddings.Windows;
using StreamAttention.Onnx;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring.Cascade;

/// <summary>
/// Scores chosen pairs with the two-stage formula on contextual token vectors (MiniLM's hidden states): only the
/// messages that have a chosen pair go through the model, in the embedder's batches, each text once and in windows as
/// the fast tier cuts long texts (<see cref="ScoringOptions.MaxWindows"/> of the model's MaxTokens word pieces, each
/// window run on its own), then each group of windows that chose the same interests against exactly those (whose
/// queries come from <see cref="ContextualInterestQueries"/>, interned once); per pair the best window decides. With calibration on, scores are
/// calibrated like the fast tier's (<see cref="Calibration.ScoreCalibrator"/>) by MiniLM's model
/// (<see cref="CalibrationKey"/>), each interest measured against a background of the windows this rescorer scored
/// (in the cascade: of the messages near some threshold); without, they are raw on the contextual scale.
/// </summary>
public sealed class ContextualRescorer : IContextualRescorer, IDisposable
{
    /// <summary>Message × interest products below which a calibration run is not split: the step the calibration advances by, as it always did.</summary>
    private const int MinPairsPerRun = 4096;

    private readonly ITextEmbedder _embedder;
    /// <summary>The calibration advances run by run (<see cref="CalibrationRuns"/>): one call's runs at a time.</summary>
    private readonly Lock _runLock = new();
    private readonly TwoStageScorer _scorer;
    private readonly ContextualInterestQueries _interestQueries;
    private readonly WindowLayout _layout;

    /// <summary>The calibration model of the contextual scores (<see cref="ScoringOptions.CalibrationModels"/>).</summary>
    public const string CalibrationKey = "minilm";

    /// <param name="embedder">The contextual model; borrowed: its owner disposes it (<see cref="Embeddings.MiniLm.MiniLmSentenceModel"/> in a host).</param>
    public ContextualRescorer(ITextEmbedder embedder, OnnxSessionFactory sessions, ScoringOptions options)
    {
        _embedder = embedder;
        // Its own calibration: MiniLM's model, each interest against the windows this rescorer has scored.
        _scorer = new TwoStageScorer(sessions, options.With(o => o.CalibrationKey = CalibrationKey));
        _interestQueries = new ContextualInterestQueries(embedder, _scorer.Options, options.ContextualInterestCacheSize,
            new ContextualInterestStore(embedder.Dimension, options.MaxQueriesPerInterest, options.ContextualInterestStoreSize));
        _layout = options.Windows(embedder.MaxTokens);
    }

    public ITextEmbedder Embedder => _embedder;

    /// <summary>Interest texts whose contextual queries are kept ready now.</summary>
    public int CachedInterests => _interestQueries.Count;

    /// <summary>Interest texts whose contextual vectors are kept in half precision now (<see cref="ContextualInterestStore"/>).</summary>
    public int StoredInterests => _interestQueries.Stored;

    public List<RowMatch> Rescore(IReadOnlyList<string> texts, InterestIndex interests, IReadOnlyList<int[]> interestsPerMessage, float[]? highlightFrom = null)
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
        var best = BestWindows(distinct, chosenOfText.Select(c => c.Order().ToArray()).ToArray(), interests, highlightFrom, out var windows);
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
    private Dictionary<(int Text, int Interest), RowMatch> BestWindows(IReadOnlyList<string> texts, int[][] chosenOfText, InterestIndex interests, float[]? highlightFrom, out MessageWindows windows)
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
        var windowMatches = new List<RowMatch>();
        lock (_runLock)
        {
            foreach (var (start, end) in CalibrationRuns(interestsPerRow))
            {
                ScoreRun(rows, start, end, interests, interestsPerRow, highlightFrom, windowMatches);
            }
        }
        var best = new Dictionary<(int, int), RowMatch>(windowMatches.Count);
        foreach (var (text, match) in windows.BestWindows(windowMatches, m => m.MessageIndex, m => m.InterestIndex, m => m.Score))
        {
            best[(text, match.InterestIndex)] = match;
        }
        return best;
    }

    /// <summary>
    /// The steps of the calibration: consecutive rows (windows) whose windows join the background together before their
    /// interests are measured, as long as their product with the union of their interests stays within twice their
    /// chosen pairs (plus <see cref="MinPairsPerRun"/>). Where a step ends decides which background an interest is
    /// measured against, so these are the runs the rescorer always scored in, and calibrated scores do not depend on
    /// how a run's pairs are scored (<see cref="SameChoiceRows"/>).
    /// </summary>
    private static IEnumerable<(int Start, int End)> CalibrationRuns(IReadOnlyList<int[]> interestsPerRow)
    {
        var union = new HashSet<int>();
        long pairs = 0;
        var start = 0;
        for (var row = 0; row < interestsPerRow.Count; row++)
        {
            var chosen = interestsPerRow[row];
            var grown = union.Count + chosen.Count(i => !union.Contains(i));
            if (row > start && (long)(row - start + 1) * grown > 2 * (pairs + chosen.Length) + MinPairsPerRun)
            {
                yield return (start, row);
                (start, pairs) = (row, 0);
                union.Clear();
            }
            union.UnionWith(chosen);
            pairs += chosen.Length;
        }
        yield return (start, interestsPerRow.Count);
    }

    /// <summary>Consecutive rows of [<paramref name="start"/>, <paramref name="end"/>) that chose the same interests (a text's windows all chose its text's).</summary>
    private static IEnumerable<(int Start, int End)> SameChoiceRows(IReadOnlyList<int[]> interestsPerRow, int start, int end)
    {
        var first = start;
        for (var row = start + 1; row < end; row++)
        {
            if (!interestsPerRow[row].AsSpan().SequenceEqual(interestsPerRow[first]))
            {
                yield return (first, row);
                first = row;
            }
        }
        yield return (first, end);
    }

    /// <summary>
    /// Scores the rows [<paramref name="start"/>, <paramref name="end"/>) in groups that chose the same interests,
    /// each group against exactly those (no pair outside the chosen ones is scored), over one index of the run's
    /// interests; with calibration on, the run's windows join the background and its interests are measured first, so
    /// that highlights are made only for the pairs whose calibrated score reaches <paramref name="highlightFrom"/>.
    /// </summary>
    private void ScoreRun(TokenBatch rows, int start, int end, InterestIndex interests, IReadOnlyList<int[]> interestsPerRow, float[]? highlightFrom, List<RowMatch> rescored)
    {
        var involved = new SortedSet<int>();
        for (var row = start; row < end; row++)
        {
            involved.UnionWith(interestsPerRow[row]);
        }
        var interestOfPosition = involved.ToArray();
        var definitions = Array.ConvertAll(interestOfPosition, i => interests.Interests[i]);
        var (words, queries) = _interestQueries.Get(Array.ConvertAll(definitions, d => d.Text));
        var runIndex = InterestIndex.FromQueries(definitions, queries, words, _scorer.Options);
        var groups = SameChoiceRows(interestsPerRow, start, end).Select(g => (g.Start, Batch: Rows(rows, g.Start, g.End))).ToArray();
        var calibrator = _scorer.Calibrator;
        foreach (var (_, batch) in groups)
        {
            // The background takes the run's windows in order, group by group, as it would the run's batch.
            calibrator?.Observe(batch);
        }
        var calibration = calibrator?.For(runIndex);
        var keptFrom = highlightFrom is null
            ? Enumerable.Repeat(float.NegativeInfinity, runIndex.Count).ToArray()
            : Array.ConvertAll(interestOfPosition, i => highlightFrom[i]);
        var rawHighlightFrom = calibration?.RawThresholds(keptFrom) ?? keptFrom;
        foreach (var (first, batch) in groups)
        {
            var positions = Array.ConvertAll(interestsPerRow[first], i => Array.BinarySearch(interestOfPosition, i));
            var scored = _scorer.ScoreEveryPairRaw(batch, runIndex.Subset(positions), Array.ConvertAll(positions, p => rawHighlightFrom[p]));
            rescored.EnsureCapacity(rescored.Count + scored.Count);
            foreach (var match in scored)
            {
                var position = positions[match.InterestIndex];
                rescored.Add(calibration is null
                    ? match with { MessageIndex = first + match.MessageIndex, InterestIndex = interestOfPosition[position] }
                    : match with
                    {
                        MessageIndex = first + match.MessageIndex,
                        InterestIndex = interestOfPosition[position],
                        Score = calibration.Calibrated(position, match.Score),
                        RawScore = match.Score,
                    });
            }
        }
    }

    /// <summary>Rows [<paramref name="start"/>, <paramref name="end"/>) of <paramref name="rows"/> as a batch of their own (the batch itself if that is all of it).</summary>
    private static TokenBatch Rows(TokenBatch rows, int start, int end)
        => start == 0 && end == rows.Count ? rows : TokenBatch.FromRows(Enumerable.Range(start, end - start).Select(row => rows.Row(row)).ToArray(), rows.Dimension);

    public void Dispose() => _scorer.Dispose();
}
