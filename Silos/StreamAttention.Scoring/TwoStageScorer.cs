using System.Diagnostics;
using StreamAttention.Contracts;
using StreamAttention.Embeddings;
using StreamAttention.Onnx;
using StreamAttention.Scoring.Lexical;
using StreamAttention.Scoring.Calibration;
using StreamAttention.Scoring.Options;
using StreamAttention.Scoring.SharedWords;

namespace StreamAttention.Scoring;

/// <summary>
/// Scores embedded messages against interests in two stages, both batched ONNX runs:
/// 1. prefilter: p = cos(message pooled vector, interest query) for every pair (one GEMM);
/// 2. cross-attention: a = Σⱼ wⱼ·cos(qⱼ, softmax(scale·qⱼ·Kᵀ + prior)·K) over the interest's query vectors qⱼ
///    (its words, or its pooled vector), for the candidates of stage 1.
/// Final score s = w·a + (1 − w)·p + λ·L with w = <see cref="ScoringOptions.AttentionWeight"/> and the term evidence
/// λ·L &lt; λ added after either engine by <see cref="LexicalEvidence"/>, which also applies the interests' keyword rules.
/// Since a ≤ 1 and L &lt; 1, a pair can reach its threshold θ only if p ≥ (θ − λ − w)/(1 − w): stage 1 drops exactly the
/// pairs below that bound, so pruning never loses a match; <see cref="ScoringOptions.PrefilterTopK"/> may prune further.
/// Messages without any known token have no keys: their attention score is 0.
/// This is the per-pair engine (<see cref="ScoringEngine.PerPair"/>); with <see cref="ScoringEngine.SharedWords"/>
/// (the default) scoring goes to <see cref="SharedWordsScorer"/>, which computes the same scores with shared work.
/// </summary>
public sealed class TwoStageScorer : IDisposable
{
    private const float PaddingBias = -1e9f;
    private readonly ScoringOptions _options;
    private readonly OnnxSessionFactory _sessions;
    private readonly PrefilterStage? _prefilter;
    private readonly Lock _runLock = new();
    private readonly SharedWordsScorer? _sharedWords;
    private readonly LexicalEvidence _lexical;
    private readonly ScoreCalibrator? _calibrator;
    private readonly UniformThresholds _overrideThresholds = new();
    private CrossAttentionStage? _crossAttention;
    private int _lastMatchCount;

    public TwoStageScorer(OnnxSessionFactory sessions, ScoringOptions options)
    {
        _options = options;
        _sessions = sessions;
        _lexical = new LexicalEvidence(options);
        // One engine's sessions only: each holds its graph's buffers.
        if (options.Engine == ScoringEngine.SharedWords)
        {
            _sharedWords = new SharedWordsScorer(sessions, options);
        }
        else
        {
            _prefilter = new PrefilterStage(sessions);
        }
        if (options.Calibration == ScoreCalibration.Background)
        {
            _calibrator = new ScoreCalibrator(options, ScoreEveryPair);
        }
    }

    public ScoringOptions Options => _options;

    /// <summary>The lexical step after the engines: term evidence and the interests' keyword rules.</summary>
    public LexicalEvidence Lexical => _lexical;

    /// <summary>The calibration with <see cref="ScoreCalibration.Background"/> (null without): each index's raw thresholds, between runs.</summary>
    public ScoreCalibrator? Calibrator => _calibrator;

    /// <summary>
    /// Pairs whose final score reaches the interest's threshold (or <paramref name="minScoreOverride"/> for all),
    /// ordered by message, best score first, at most <paramref name="topKPerMessage"/> per message (0 = all).
    /// With calibration on, scores and thresholds are calibrated: the thresholds are turned into raw thresholds for
    /// the engines, the raw scores mapped back (<see cref="RowMatch.RawScore"/> keeps them), and the messages join the background.
    /// </summary>
    /// <param name="highlightFrom">Per interest, the score from which a pair gets highlights (on the thresholds' scale);
    /// null: every pair returned. For a caller that keeps only some of the pairs (the cascade's wider pass).</param>
    /// <param name="nearestBelow">A selection of each message's pairs that the shared-words engine makes before it makes
    /// match objects, where the engine's scores are final (no term evidence nor keyword rules); elsewhere every pair is
    /// returned and its <see cref="NearestBelowThresholds.Dropped"/> stays 0. The caller's own selection decides.</param>
    public List<RowMatch> Score(TokenBatch messages, InterestIndex interests, float? minScoreOverride = null, int topKPerMessage = 0, float[]? highlightFrom = null,
        NearestBelowThresholds? nearestBelow = null)
    {
        if (messages.Dimension != interests.Dimension)
        {
            throw new ArgumentException($"Messages have dimension {messages.Dimension} but interests {interests.Dimension}.", nameof(messages));
        }
        var thresholds = minScoreOverride is { } min ? _overrideThresholds.Of(min, interests.Count) : interests.Thresholds;
        if (nearestBelow is not null && (_sharedWords is null || !_lexical.KeepsEveryPair(interests)))
        {
            nearestBelow = null;
        }
        lock (_runLock)
        {
            if (_calibrator is null)
            {
                var raw = ScoreRaw(messages, interests, thresholds, topKPerMessage, highlightFrom, nearestBelow: nearestBelow);
                ScoringInstruments.Matches.Add(raw.Count);
                return raw;
            }
            // The background takes the messages first, so a cold start's first batch is measured against itself.
            _calibrator.Observe(messages);
            var calibration = _calibrator.For(interests);
            var rawHighlightFrom = highlightFrom is null ? null : calibration.RawThresholds(highlightFrom);
            if (_sharedWords is not null && !_lexical.Rescores)
            {
                // The engine reports calibrated scores in their order: no pass to map them, no second sort.
                var calibrated = ScoreRaw(messages, interests, calibration.RawThresholds(thresholds), 0, rawHighlightFrom, calibration, nearestBelow);
                ScoringInstruments.Matches.Add(calibrated.Count);
                return Limit(calibrated, topKPerMessage);
            }
            var matches = ScoreRaw(messages, interests, calibration.RawThresholds(thresholds), 0, rawHighlightFrom);
            calibration.Apply(matches);
            ScoringInstruments.Matches.Add(matches.Count);
            return OrderAndLimit(matches, topKPerMessage);
        }
    }

    /// <summary>
    /// Every pair's raw score, without calibration (the background untouched), with highlights where the raw score
    /// reaches <paramref name="highlightFrom"/> (per interest): for a caller that calibrates on its own schedule and
    /// keeps only some pairs (<see cref="Cascade.ContextualRescorer"/>, with <see cref="Calibrator"/>).
    /// </summary>
    public List<RowMatch> ScoreEveryPairRaw(TokenBatch messages, InterestIndex interests, float[] highlightFrom)
        => ScoreRaw(messages, interests, Enumerable.Repeat(float.NegativeInfinity, interests.Count).ToArray(), 0, highlightFrom);

    /// <summary>
    /// Every pair's raw score (<see cref="ScoreEveryPairRaw"/>'s scores) into raw[i · <paramref name="stride"/> + m] for
    /// interest i and message m, without matches: what the calibration measures. The shared-words engine writes the
    /// scores directly (<see cref="SharedWordsScorer.ScoreEveryPair"/>, then <see cref="LexicalEvidence.ApplyToEveryPair"/>);
    /// the per-pair engine's matches are copied in.
    /// </summary>
    public void ScoreEveryPair(TokenBatch messages, InterestIndex interests, Span<float> raw, int stride)
    {
        lock (_runLock)
        {
            if (_sharedWords is not null)
            {
                _sharedWords.ScoreEveryPair(messages, interests, raw, stride);
                _lexical.ApplyToEveryPair(messages, interests, raw, stride);
                return;
            }
            foreach (var pair in ScoreEveryPairRaw(messages, interests, Enumerable.Repeat(float.PositiveInfinity, interests.Count).ToArray()))
            {
                raw[pair.InterestIndex * stride + pair.MessageIndex] = pair.Score;
            }
        }
    }

    /// <summary>
    /// The engine's pairs whose raw score reaches <paramref name="thresholds"/>, as <see cref="Score"/> orders and limits
    /// them; a pair has highlights where its raw score reaches <paramref name="highlightFrom"/> (per interest; null:
    /// every pair; the calibration's measurements read scores only, so they ask for none). With
    /// <paramref name="calibration"/> (shared-words engine, no term evidence) the pairs are reported calibrated, in their order.
    /// </summary>
    private List<RowMatch> ScoreRaw(TokenBatch messages, InterestIndex interests, float[] thresholds, int topKPerMessage, float[]? highlightFrom = null,
        InterestCalibration? calibration = null, NearestBelowThresholds? nearestBelow = null)
    {
        var engineThresholds = _lexical.EngineThresholds(thresholds);
        // The engines score without the term evidence (< λ): a pair that reaches its floor with it may lack it before.
        var engineHighlightFrom = highlightFrom is null ? engineThresholds : _lexical.EngineThresholds(highlightFrom);
        lock (_runLock)
        {
            // Sized as the last batch's: a large index's thousands of matches per batch would otherwise grow the list by copies.
            var matches = new List<RowMatch>(_lastMatchCount);
            if (_sharedWords is not null)
            {
                _sharedWords.Score(messages, interests, engineThresholds, matches, engineHighlightFrom, calibration, nearestBelow);
                _lastMatchCount = matches.Count;
                var rescored = _lexical.Apply(messages, interests, thresholds, matches);
                return rescored ? OrderAndLimit(matches, topKPerMessage) : Limit(matches, topKPerMessage);
            }
            var prefilterFloor = engineThresholds.Select(t => ThresholdFloors.FloorOf(t, _options.AttentionWeight)).ToArray();
            for (var start = 0; start < messages.Count; start += _options.MessageChunkSize)
            {
                var count = Math.Min(_options.MessageChunkSize, messages.Count - start);
                var started = Stopwatch.GetTimestamp();
                var similarity = _prefilter!.Run(messages.Pooled.AsMemory(start * messages.Dimension, count * messages.Dimension), count,
                    interests.Queries, interests.Count, interests.Dimension);
                ScoringInstruments.RunDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("stage", "prefilter"));
                ScoringInstruments.Pairs.Add((long)count * interests.Count);
                var candidates = SelectCandidates(start, count, similarity.Span, interests.Count, prefilterFloor);
                ScoringInstruments.CandidatePairs.Add(candidates.Sum(c => (long)c.Interests.Length));
                ScoreCandidates(messages, interests, candidates, similarity.Span, start, engineThresholds, matches, engineHighlightFrom);
            }
            _lastMatchCount = matches.Count;
            _lexical.Apply(messages, interests, thresholds, matches);
            return OrderAndLimit(matches, topKPerMessage);
        }
    }

    /// <summary>Per message of the chunk, the interests whose prefilter score reaches the lossless bound (top-k if configured).</summary>
    private List<(int Message, int[] Interests)> SelectCandidates(int start, int count, ReadOnlySpan<float> similarity, int interestCount, float[] floor)
    {
        var selected = new List<(int, int[])>(count);
        var row = new List<int>();
        var topK = _options.PrefilterTopK;
        var best = new PriorityQueue<int, float>(topK + 1);
        for (var m = 0; m < count; m++)
        {
            row.Clear();
            best.Clear();
            var scores = similarity.Slice(m * interestCount, interestCount);
            for (var i = 0; i < interestCount; i++)
            {
                if (scores[i] < floor[i])
                {
                    continue;
                }
                if (topK == 0)
                {
                    row.Add(i);
                }
                else if (best.Count < topK)
                {
                    best.Enqueue(i, scores[i]);
                }
                else if (best.TryPeek(out _, out var worst) && scores[i] > worst)
                {
                    // A min-heap of the k best so far: O(n log k) at worst instead of sorting all candidates.
                    best.DequeueEnqueue(i, scores[i]);
                }
            }
            while (best.TryDequeue(out var i, out _))
            {
                row.Add(i);
            }
            if (row.Count > 0)
            {
                selected.Add((start + m, row.ToArray()));
            }
        }
        return selected;
    }

    private void ScoreCandidates(TokenBatch messages, InterestIndex interests, List<(int Message, int[] Interests)> candidates,
        ReadOnlySpan<float> similarity, int chunkStart, float[] thresholds, List<RowMatch> matches, float[] highlightFrom)
    {
        var weight = _options.AttentionWeight;
        var rowWidth = _options.CandidateSlotsPerRow;
        var rows = new List<CandidateRow>();
        foreach (var (message, chosen) in candidates)
        {
            if (messages.TokenCount(message) == 0)
            {
                foreach (var i in chosen)
                {
                    var p = similarity[(message - chunkStart) * interests.Count + i];
                    var score = (1 - weight) * p;
                    if (score >= thresholds[i])
                    {
                        matches.Add(new RowMatch(message, i, score, p, []));
                    }
                }
                continue;
            }
            for (var offset = 0; offset < chosen.Length; offset += rowWidth)
            {
                rows.Add(new CandidateRow(message, new ArraySegment<int>(chosen, offset, Math.Min(rowWidth, chosen.Length - offset))));
            }
        }

        // Rows of similar message length and width run together, so little work goes to padding tokens and slots.
        rows.Sort((a, b) => messages.TokenCount(a.Message) != messages.TokenCount(b.Message)
            ? messages.TokenCount(a.Message).CompareTo(messages.TokenCount(b.Message))
            : a.Interests.Count.CompareTo(b.Interests.Count));
        var rowsPerRun = Math.Max(1, _options.MaxPairsPerRun / rowWidth);
        for (var next = 0; next < rows.Count; next += rowsPerRun)
        {
            RunCrossAttention(messages, interests, rows.GetRange(next, Math.Min(rowsPerRun, rows.Count - next)), similarity, chunkStart, thresholds, matches, highlightFrom);
        }
    }

    /// <summary>Copies a message's first <paramref name="tokens"/> token vectors and its attention prior (padding very negative).</summary>
    private void CopyKeys(TokenBatch messages, int message, int tokens, Span<float> keys, Span<float> bias)
    {
        messages.TokenVectors.AsSpan(message * messages.Tokens * messages.Dimension, tokens * messages.Dimension).CopyTo(keys);
        var tokenWeights = messages.TokenWeights.AsSpan(message * messages.Tokens, tokens);
        for (var t = 0; t < tokens; t++)
        {
            bias[t] = tokenWeights[t] > 0 ? _options.TokenWeightExponent * MathF.Log(tokenWeights[t]) : PaddingBias;
        }
    }

    /// <summary>Up to <see cref="ScoringOptions.CandidateSlotsPerRow"/> candidate interests of one message.</summary>
    private readonly record struct CandidateRow(int Message, ArraySegment<int> Interests);

    private void RunCrossAttention(TokenBatch messages, InterestIndex interests, List<CandidateRow> rows,
        ReadOnlySpan<float> similarity, int chunkStart, float[] thresholds, List<RowMatch> matches, float[] highlightFrom)
    {
        var dimension = messages.Dimension;
        var tokens = rows.Max(r => messages.TokenCount(r.Message));
        var width = rows.Max(r => r.Interests.Count);
        var weight = _options.AttentionWeight;
        if (_crossAttention?.Dimension != dimension)
        {
            // The graph is built for one embedding dimension; an embedder keeps it fixed, so this happens once.
            _crossAttention?.Dispose();
            _crossAttention = new CrossAttentionStage(_sessions, dimension);
        }
        var stage = _crossAttention;
        var queries = interests.QueriesPerInterest;
        stage.Prepare(rows.Count, tokens, width, queries);
        var keys = stage.Keys;
        var bias = stage.TokenBias;
        var slots = stage.Candidates;
        for (var r = 0; r < rows.Count; r++)
        {
            var (message, chosen) = rows[r];
            // The batch pads every message to its longest; this run only to the longest of its rows.
            CopyKeys(messages, message, tokens, keys.Slice(r * tokens * dimension, tokens * dimension), bias.Slice(r * tokens, tokens));
            for (var c = 0; c < width; c++)
            {
                slots[r * width + c] = chosen[Math.Min(c, chosen.Count - 1)];
            }
        }
        var started = Stopwatch.GetTimestamp();
        stage.Run(interests.QueryVectors, interests.QueryWeights, interests.Count, queries, _options.AttentionScale);
        ScoringInstruments.RunDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("stage", "cross_attention"));

        var scores = stage.Scores;
        var attention = stage.Attention;
        for (var r = 0; r < rows.Count; r++)
        {
            var (message, chosen) = rows[r];
            for (var c = 0; c < chosen.Count; c++)
            {
                var i = chosen[c];
                var p = similarity[(message - chunkStart) * interests.Count + i];
                var score = weight * scores[r * width + c] + (1 - weight) * p;
                if (score >= thresholds[i])
                {
                    var vectors = attention.Slice((r * width + c) * queries * tokens, queries * tokens);
                    matches.Add(new RowMatch(message, i, score, p,
                        score >= highlightFrom[i] ? Highlights(messages.TokenTexts[message], vectors, interests.QueryWeights.AsSpan(i * queries, queries), tokens) : []));
                }
            }
        }
    }

    /// <summary>The most attended tokens: the query vectors' attention averaged by their weights. <paramref name="attention"/> is [queries, tokenSlots].</summary>
    private Highlight[] Highlights(string[] tokens, ReadOnlySpan<float> attention, ReadOnlySpan<float> queryWeights, int tokenSlots)
    {
        Span<float> weights = stackalloc float[tokens.Length];
        for (var j = 0; j < queryWeights.Length; j++)
        {
            if (queryWeights[j] > 0)
            {
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(attention.Slice(j * tokenSlots, tokens.Length), queryWeights[j], weights, weights);
            }
        }
        return MatchHighlights.Top(tokens, weights, _options.HighlightCount);
    }

    internal static List<RowMatch> OrderAndLimit(List<RowMatch> matches, int topKPerMessage)
    {
        // In place: matches can number in the hundreds of thousands per batch, where LINQ's ordering costs several times more.
        matches.Sort(RowMatchOrder.Instance);
        return Limit(matches, topKPerMessage);
    }

    /// <summary>At most <paramref name="topKPerMessage"/> matches per message (0 = all) of matches already in <see cref="RowMatchOrder"/>.</summary>
    internal static List<RowMatch> Limit(List<RowMatch> matches, int topKPerMessage)
        => topKPerMessage > 0 ? matches.GroupBy(m => m.MessageIndex).SelectMany(g => g.Take(topKPerMessage)).ToList() : matches;

    public void Dispose()
    {
        _prefilter?.Dispose();
        _crossAttention?.Dispose();
        _sharedWords?.Dispose();
    }
}
