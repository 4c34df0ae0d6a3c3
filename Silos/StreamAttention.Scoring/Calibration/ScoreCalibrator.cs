using System.Runtime.CompilerServices;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Embeddings;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring.Calibration;

/// <summary>
/// Keeps the scorer's calibration (one per scorer, so one per silo): the background sample of the messages it scored,
/// and each interest's statistics against it, measured when the interest first appears in an index and again after
/// the background moved on by <see cref="ScoringOptions.CalibrationRefreshMessages"/> messages, at most
/// <see cref="ScoringOptions.CalibrationMeasuresPerRun"/> interests per run (new ones first; the others keep the prior
/// or their older statistics until a later run), so no run pays for a bulk import at once; measuring again is paced
/// by the messages scored (<see cref="ScoringOptions.CalibrationRefreshesPerMessage"/>), so a refresh of many
/// interests takes neither consecutive runs nor, at a high rate, the CPU. A run that measures a few interests of
/// a large index updates only theirs (<see cref="InterestCalibration.With"/>). Statistics are kept per interest definition (by
/// reference), so a silo index rebuilt because one shard changed measures only that shard's new interests. Until the
/// background holds <see cref="ScoringOptions.MinBackgroundMessages"/> messages, interests use the model's prior.
/// Interests that score alike (<see cref="InterestTwins"/>: many users following one phrase) are measured once.
/// Not thread-safe: called under the scorer's lock.
/// </summary>
/// <param name="scoreEveryPair">The engine's raw scores of every pair, written in place (<see cref="TwoStageScorer.ScoreEveryPair"/>).</param>
public sealed class ScoreCalibrator(ScoringOptions options, EveryPairScores scoreEveryPair)
{
    /// <summary>Background messages per measuring run: bounds the engine's work held at once (its word scores).</summary>
    private const int MessagesPerMeasure = 16;

    private readonly CalibrationModel _model = options.CalibrationModels[options.CalibrationKey];
    private readonly BackgroundSample _background = new(options.BackgroundMessages, options.CalibrationRefreshMessages);
    private readonly ConditionalWeakTable<InterestDefinition, InterestStatistics> _statistics = [];
    private readonly ConditionalWeakTable<InterestIndex, InterestCalibration> _calibrations = [];
    private double _refreshCredit;
    private int _refreshCursor;

    public BackgroundSample Background => _background;

    /// <summary>Adds scored messages to the background; each earns the refresh its credit (<see cref="ScoringOptions.CalibrationRefreshesPerMessage"/>).</summary>
    public void Observe(TokenBatch messages)
    {
        var seen = _background.Seen;
        _background.Add(messages);
        _refreshCredit = Math.Min(_refreshCredit + (_background.Seen - seen) * options.CalibrationRefreshesPerMessage, options.CalibrationMeasuresPerRun);
    }

    /// <summary>The calibration of <paramref name="index"/>, measuring the statistics it lacks.</summary>
    public InterestCalibration For(InterestIndex index)
    {
        var ready = _background.Count >= options.MinBackgroundMessages;
        var generation = ready ? _background.Generation : -1;
        _calibrations.TryGetValue(index, out var cached);
        if (cached is not null && cached.AllMeasuredAt(generation))
        {
            return cached;
        }
        // From the index's last calibration by position (no lookups), else from what other indexes measured.
        var current = cached?.Statistics ?? Known(index);
        var (unmeasuredCount, staleCount) = (0, 0);
        for (var i = 0; i < current.Count; i++)
        {
            unmeasuredCount += current[i].Generation == -1 ? 1 : 0;
            staleCount += current[i].Generation != -1 && current[i].Generation != generation ? 1 : 0;
        }
        // Interests on the prior first, then stale ones once the refresh's credit pays for a run's worth of them (a few
        // at a time would cost more per interest: the engine's fixed work per measurement, and a new calibration of the
        // whole index each run); the rest wait with what they have. Most runs of a refresh measure nothing: counted
        // first, so that they cost one pass.
        var news = ready ? Math.Min(unmeasuredCount, options.CalibrationMeasuresPerRun) : 0;
        var refreshes = ready ? Math.Min(options.CalibrationMeasuresPerRun - news, staleCount) : 0;
        refreshes = refreshes > 0 && _refreshCredit >= refreshes ? refreshes : 0;
        if (news + refreshes == 0 && cached is not null)
        {
            return cached;
        }
        var statistics = current.ToArray();
        var unmeasured = new List<int>(unmeasuredCount);
        var stale = new List<int>(staleCount);
        for (var i = 0; i < statistics.Length; i++)
        {
            if (statistics[i].Generation == -1)
            {
                unmeasured.Add(i);
            }
            else if (statistics[i].Generation != generation)
            {
                stale.Add(i);
            }
        }
        var measure = unmeasured.Take(news).ToList();
        if (refreshes > 0)
        {
            // In turn from where the last refresh stopped: each stale interest is measured again within one turn of
            // the index, however often the background moves on.
            var refreshed = stale.Where(i => i >= _refreshCursor).Concat(stale.Where(i => i < _refreshCursor)).Take(refreshes).ToList();
            measure.AddRange(refreshed);
            _refreshCredit -= refreshed.Count;
            _refreshCursor = refreshed[^1] + 1;
        }
        Measure(index, measure, statistics, generation);
        var calibration = cached?.With(statistics, measure) ?? new InterestCalibration(_model, statistics);
        _calibrations.AddOrUpdate(index, calibration);
        return calibration;
    }

    /// <summary>Each interest's statistics as last measured through any index, or the model's prior.</summary>
    private InterestStatistics[] Known(InterestIndex index)
    {
        var statistics = new InterestStatistics[index.Count];
        for (var i = 0; i < index.Count; i++)
        {
            statistics[i] = _statistics.TryGetValue(index.Interests[i], out var known) ? known : new InterestStatistics(_model.PriorMean, _model.PriorDeviation, -1);
        }
        return statistics;
    }

    /// <summary>
    /// Measures the interests at positions <paramref name="measure"/> of <paramref name="index"/> into
    /// <paramref name="statistics"/> (those another index measured at this generation meanwhile are taken as they are).
    /// </summary>
    private void Measure(InterestIndex index, List<int> measure, InterestStatistics[] statistics, long generation)
    {
        var unknown = new List<int>();
        foreach (var i in measure)
        {
            if (_statistics.TryGetValue(index.Interests[i], out var known) && known.Generation == generation)
            {
                statistics[i] = known;
            }
            else
            {
                unknown.Add(i);
            }
        }
        if (unknown.Count == 0)
        {
            return;
        }
        // Interests that score alike against any message have the same statistics: one of each is measured.
        var first = InterestTwins.FirstOf(index, unknown);
        // Where each first twin's measurement lands among the measured ones.
        var slot = new int[unknown.Count];
        var distinct = new List<int>();
        for (var k = 0; k < unknown.Count; k++)
        {
            if (first[k] == k)
            {
                slot[k] = distinct.Count;
                distinct.Add(unknown[k]);
            }
        }
        var measured = Measure(index.Subset(distinct), generation);
        for (var k = 0; k < unknown.Count; k++)
        {
            statistics[unknown[k]] = measured[slot[first[k]]];
            _statistics.AddOrUpdate(index.Interests[unknown[k]], statistics[unknown[k]]);
        }
    }

    /// <summary>Every interest's raw scores against the whole background: its level and spread (a pair the engine or the keyword rules drop counts 0).</summary>
    private InterestStatistics[] Measure(InterestIndex interests, long generation)
    {
        var background = _background.Batch();
        // [interest, background message]: bounded by CalibrationMeasuresPerRun interests per run.
        var raw = new float[interests.Count * background.Count];
        for (var start = 0; start < background.Count; start += MessagesPerMeasure)
        {
            var rows = Enumerable.Range(start, Math.Min(MessagesPerMeasure, background.Count - start)).Select(m => background.Row(m)).ToArray();
            scoreEveryPair(TokenBatch.FromRows(rows, background.Dimension), interests, raw.AsSpan(start), background.Count);
        }
        var statistics = new InterestStatistics[interests.Count];
        for (var i = 0; i < statistics.Length; i++)
        {
            var (mean, deviation) = InterestStatistics.Of(raw.AsSpan(i * background.Count, background.Count));
            statistics[i] = new InterestStatistics(mean, deviation, generation);
        }
        return statistics;
    }
}

/// <summary>
/// Every pair's raw score of <paramref name="messages"/> and <paramref name="interests"/>, written to
/// raw[i · <paramref name="stride"/> + m] for interest i and message m; a pair the engine drops is left as it is.
/// </summary>
public delegate void EveryPairScores(TokenBatch messages, InterestIndex interests, Span<float> raw, int stride);
