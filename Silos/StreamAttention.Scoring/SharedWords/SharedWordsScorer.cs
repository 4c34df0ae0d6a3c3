using System.Diagnostics;
using System.Runtime.CompilerServices;
using StreamAttention.Embeddings;
using StreamAttention.Onnx;
using StreamAttention.Scoring.Calibration;
using StreamAttention.Scoring.Candidates;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring.SharedWords;

/// <summary>
/// The <see cref="ScoringEngine.SharedWords"/> engine, in three separable parts, over the index's distinct interests
/// (<see cref="DistinctInterests"/>: interests of the same pooled vector and words are scored once per message):
/// 1. shared-word attention (<see cref="SharedWordAttention"/>): each distinct interest word attends over a message once,
///    whatever the number of interests that contain it;
/// 2. candidates (<see cref="ICandidateGenerator"/>): the interests some message may reach at all (<see cref="ICandidateGenerator.Bound"/>,
///    whose words attend), then per message those whose pooled cosine p can still reach their threshold with their
///    attention bound over the chunk (<see cref="BoundedFloors"/>, <see cref="ICandidateGenerator.Generate"/>), through
///    clusters (<see cref="ClusteredCandidates"/>) or every interest (<see cref="ExhaustiveCandidates"/>);
/// 3. final score s = w·A + (1 − w)·p against the threshold, with highlights for the matches. A candidate is summed
///    only if its score with the chunk's bound of A can reach its lowest threshold (<see cref="SharedWordAttention.AttentionBounds"/>),
///    and its score and highlights go to every interest of it whose own threshold the score reaches; with a calibration,
///    each such match is reported with its calibrated score and ordered by it.
/// Same formula as the per-pair engine, so the same matches (up to float rounding). Not thread-safe.
/// </summary>
public sealed class SharedWordsScorer : IDisposable
{
    private readonly ScoringOptions _options;
    private readonly ConditionalWeakTable<InterestIndex, DistinctInterests> _distinct = new();
    private readonly CandidateLists _candidates = new();
    private readonly MessageMatches _passed = new();
    private readonly ReusableBuffer<int> _kept = new();
    private readonly PerMessageValues<Contracts.Highlight[]> _highlightsOf = new();
    private readonly ThresholdFloors _floors;
    private readonly SharedWordAttention _attention;
    private float[] _noThresholds = [];
    private float[] _chunkFloor = [];

    public SharedWordsScorer(OnnxSessionFactory sessions, ScoringOptions options)
    {
        _options = options;
        Candidates = options.CandidateClusters < 0
            ? new ExhaustiveCandidates(new PrefilterStage(sessions), options.QuantizedPrefilterMaxMessages)
            : new ClusteredCandidates(new PrefilterStage(sessions), new PrefilterStage(sessions), options.CandidateClusters, options.ClusterProbes);
        _attention = new SharedWordAttention(sessions, options);
        _floors = new ThresholdFloors(options.AttentionWeight);
    }

    public ICandidateGenerator Candidates { get; }

    /// <summary>
    /// The distinct interests of an index (built on first use, kept while the index lives). Top-k keeps a message's k
    /// best interests, twins counted one by one, so with it every interest is scored on its own.
    /// </summary>
    public DistinctInterests DistinctOf(InterestIndex interests)
        => _distinct.GetValue(interests, _options.PrefilterTopK > 0 ? DistinctInterests.Separate : DistinctInterests.Build);

    /// <summary>
    /// Adds the pairs whose final score reaches <paramref name="thresholds"/> to <paramref name="pairs"/>, in
    /// <see cref="RowMatchOrder"/> (sorted per message: a sort of all matches at once costs more); a pair has
    /// highlights where its score reaches <paramref name="highlightFrom"/> (per interest; null: every pair added).
    /// With <paramref name="calibration"/>, thresholds and highlights stay on raw scores, and each pair is reported with
    /// its calibrated score (<see cref="RowMatch.RawScore"/> keeps the raw one) and ordered by it: the caller needs no
    /// second pass to map the scores nor a second sort. With <paramref name="nearestBelow"/>, each message's pairs are
    /// that selection of them (on the reported scores).
    /// </summary>
    public void Score(TokenBatch messages, InterestIndex interests, float[] thresholds, List<RowMatch> pairs, float[]? highlightFrom = null,
        InterestCalibration? calibration = null, NearestBelowThresholds? nearestBelow = null)
    {
        var distinct = DistinctOf(interests);
        _floors.For(distinct, thresholds);
        for (var start = 0; start < messages.Count; start += _options.MessageChunkSize)
        {
            var count = Math.Min(_options.MessageChunkSize, messages.Count - start);
            ChooseCandidates(messages, start, count, distinct, interests.Count);
            SelectMatches(messages, distinct, thresholds, _floors.Lowest, pairs, highlightFrom ?? thresholds, calibration, nearestBelow);
        }
    }

    /// <summary>
    /// Every pair's raw score, as <see cref="Score"/> computes it at no threshold (same candidates, attention and sum,
    /// so the same floats), written to <paramref name="raw"/>[i · <paramref name="stride"/> + m] for interest i and
    /// message m instead of becoming matches: no highlights, no match objects, no sort. A pair the engine drops (a NaN
    /// score, or top-k's pruning) is left as it is. For the calibration's measurements (<see cref="ScoreCalibrator"/>).
    /// </summary>
    public void ScoreEveryPair(TokenBatch messages, InterestIndex interests, Span<float> raw, int stride)
    {
        var distinct = DistinctOf(interests);
        if (_noThresholds.Length != interests.Count)
        {
            _noThresholds = Enumerable.Repeat(float.NegativeInfinity, interests.Count).ToArray();
        }
        _floors.For(distinct, _noThresholds);
        for (var start = 0; start < messages.Count; start += _options.MessageChunkSize)
        {
            var count = Math.Min(_options.MessageChunkSize, messages.Count - start);
            ChooseCandidates(messages, start, count, distinct, interests.Count);
            WriteScores(messages, distinct, raw, stride);
        }
    }

    /// <summary>The chunk's candidates at the floors of <see cref="_floors"/>, and its word scores.</summary>
    private void ChooseCandidates(TokenBatch messages, int start, int count, DistinctInterests distinct, int interestCount)
    {
        var weight = _options.AttentionWeight;
        var (lowest, floor) = (_floors.Lowest, _floors.Floor);
        _candidates.Reset(start, count);
        var started = Stopwatch.GetTimestamp();
        // Only the words of interests that some message may match attend.
        var live = Candidates.Bound(messages, start, count, distinct, floor);
        var boundTime = Stopwatch.GetElapsedTime(started);
        _attention.Run(messages, start, count, distinct.Words, live);
        // Top-k keeps the k best of the floor's candidates, so it gets the floor itself.
        var chunkFloor = _options.PrefilterTopK == 0 && _attention.HasRows
            ? TightenedFloor(floor, lowest, weight)
            : floor;
        started = Stopwatch.GetTimestamp();
        Candidates.Generate(chunkFloor, _candidates);
        if (_options.PrefilterTopK > 0)
        {
            _candidates.KeepTop(_options.PrefilterTopK);
        }
        ScoringInstruments.RunDuration.Record((boundTime + Stopwatch.GetElapsedTime(started)).TotalMilliseconds, new KeyValuePair<string, object?>("stage", "candidates"));
        ScoringInstruments.Pairs.Add((long)count * interestCount);
        // Pairs of a message and a distinct interest: each is scored once, whatever its number of interests.
        ScoringInstruments.CandidatePairs.Add(_candidates.Total);
    }

    /// <summary>The chunk's floors tightened by its attention bounds (<see cref="BoundedFloors"/>), in a buffer reused chunk after chunk.</summary>
    private float[] TightenedFloor(float[] floor, float[] lowest, float weight)
    {
        if (_chunkFloor.Length != floor.Length)
        {
            _chunkFloor = new float[floor.Length];
        }
        BoundedFloors.Write(floor, lowest, _attention.AttentionBounds, weight, _chunkFloor);
        return _chunkFloor;
    }

    /// <summary>The chunk's candidates' scores, as <see cref="SelectMatches"/> forms them, into every interest of each.</summary>
    private void WriteScores(TokenBatch messages, DistinctInterests distinct, Span<float> raw, int stride)
    {
        var weight = _options.AttentionWeight;
        var pooledWeight = 1 - weight;
        var words = distinct.Words;
        for (var m = 0; m < _candidates.Count; m++)
        {
            var message = _candidates.Start + m;
            var tokens = messages.TokenCount(message);
            var chosen = _candidates.Interests(m);
            var prefilter = _candidates.Prefilter(m);
            var wordScores = tokens == 0 || chosen.Length == 0 ? default : _attention.WordScores(m);
            for (var c = 0; c < chosen.Length; c++)
            {
                var d = chosen[c];
                var attention = tokens > 0 ? _attention.InterestScore(wordScores, d, words) : 0f;
                var score = weight * attention + pooledWeight * prefilter[c];
                // As in SelectMatches at no threshold: a NaN score matches nothing.
                if (float.IsNaN(score))
                {
                    continue;
                }
                foreach (var i in distinct.MembersOf(d))
                {
                    raw[i * stride + message] = score;
                }
            }
        }
    }

    private void SelectMatches(TokenBatch messages, DistinctInterests distinct, float[] thresholds, float[] lowest, List<RowMatch> pairs, float[] highlightFrom,
        InterestCalibration? calibration, NearestBelowThresholds? nearestBelow)
    {
        var weight = _options.AttentionWeight;
        var pooledWeight = 1 - weight;
        var bounds = _attention.AttentionBounds;
        var words = distinct.Words;
        for (var m = 0; m < _candidates.Count; m++)
        {
            var message = _candidates.Start + m;
            var tokens = messages.TokenCount(message);
            var chosen = _candidates.Interests(m);
            var prefilter = _candidates.Prefilter(m);
            var wordScores = tokens == 0 || chosen.Length == 0 ? default : _attention.WordScores(m);
            _passed.Clear();
            _highlightsOf.NextMessage(distinct.Count);
            // Most candidates of a large index fail even with their best attention over the chunk: no sum for them.
            var kept = tokens > 0 ? KeepWithinBound(chosen, prefilter, bounds, lowest) : AllOf(chosen.Length);
            foreach (var c in kept)
            {
                var d = chosen[c];
                var attention = tokens > 0 ? _attention.InterestScore(wordScores, d, words) : 0f;
                var score = weight * attention + pooledWeight * prefilter[c];
                if (!(score >= lowest[d]))
                {
                    continue;
                }
                foreach (var i in distinct.MembersOf(d))
                {
                    if (score >= thresholds[i])
                    {
                        _passed.Add(i, calibration is null ? score : calibration.Calibrated(i, score), score, prefilter[c]);
                    }
                }
            }
            if (nearestBelow is not null)
            {
                nearestBelow.Dropped[message] += _passed.KeepNearestBelow(nearestBelow.Thresholds, nearestBelow.Band, nearestBelow.PerMessage);
            }
            _passed.Sort();
            pairs.EnsureCapacity(pairs.Count + _passed.Count);
            for (var k = 0; k < _passed.Count; k++)
            {
                var (i, score, raw, p) = _passed[k];
                pairs.Add(new RowMatch(message, i, score, p, raw >= highlightFrom[i] ? Highlights(messages, m, distinct.Of[i], words) : []) { RawScore = raw });
            }
        }
    }

    /// <summary>
    /// The positions of the candidates whose final score with their attention bound reaches the threshold (NaN kept),
    /// branch-free: which ones pass is unpredictable. Same float operations as the score, so no match is dropped.
    /// </summary>
    private ReadOnlySpan<int> KeepWithinBound(ReadOnlySpan<int> chosen, ReadOnlySpan<float> prefilter, ReadOnlySpan<float> bounds, float[] thresholds)
    {
        var weight = _options.AttentionWeight;
        var pooledWeight = 1 - weight;
        var kept = _kept.Rent(chosen.Length).Span;
        var count = 0;
        for (var c = 0; c < chosen.Length; c++)
        {
            var i = chosen[c];
            kept[count] = c;
            count += weight * bounds[i] + pooledWeight * prefilter[c] < thresholds[i] ? 0 : 1;
        }
        return kept[..count];
    }

    private ReadOnlySpan<int> AllOf(int count)
    {
        var all = _kept.Rent(count).Span;
        for (var c = 0; c < count; c++)
        {
            all[c] = c;
        }
        return all;
    }

    /// <summary>The message's highlights for the distinct interest, shared by its interests.</summary>
    private Contracts.Highlight[] Highlights(TokenBatch messages, int chunkMessage, int distinct, InterestWords words)
    {
        var tokens = messages.TokenTexts[_candidates.Start + chunkMessage];
        if (tokens.Length == 0 || _options.HighlightCount == 0)
        {
            return [];
        }
        if (!_highlightsOf.TryGet(distinct, out var highlights))
        {
            Span<float> average = stackalloc float[tokens.Length];
            _attention.AverageAttention(messages, chunkMessage, distinct, words, average);
            highlights = MatchHighlights.Top(tokens, average, _options.HighlightCount);
            _highlightsOf.Set(distinct, highlights);
        }
        return highlights;
    }

    public void Dispose()
    {
        Candidates.Dispose();
        _attention.Dispose();
    }
}
