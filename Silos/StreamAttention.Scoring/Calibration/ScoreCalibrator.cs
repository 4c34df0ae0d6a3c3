using System.Runtime.CompilerServices;
using StreamAttention.Contracts;
using StreamAttention.Embeddings;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring.Calibration;

/// <summary>
/// Keeps the scorer's calibration (one per scorer, so one per silo): the background sample of the messages it scored,
/// and each interest's statistics against it, measured when the interest first appears in an index and again after
/// the background moved on by <see cref="ScoringOptions.CalibrationRefreshMessages"/> messages, at most
/// <see cref="ScoringOptions.CalibrationMeasuresPerRun"/> interests per run (new ones first; the others keep the prior
/// or their older statistics until a later run), so no run pays for a bulk import at once. Statistics are kept per interest definition (by
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

    public BackgroundSample Background => _background;

    /// <summary>Adds scored messages to the background.</summary>
    public void Observe(TokenBatch messages) => _background.Add(messages);

    /// <summary>The calibration of <paramref name="index"/>, measuring the statistics it lacks.</summary>
    public InterestCalibration For(InterestIndex index)
    {
        var ready = _background.Count >= options.MinBackgroundMessages;
        var generation = ready ? _background.Generation : -1;
        if (_calibrations.TryGetValue(index, out var cached) && cached.AllMeasuredAt(generation))
        {
            return cached;
        }
        var statistics = new InterestStatistics[index.Count];
        var unmeasured = new List<int>();
        var stale = new List<int>();
        for (var i = 0; i < index.Count; i++)
        {
            if (_statistics.TryGetValue(index.Interests[i], out var known) && known.Generation != -1)
            {
                statistics[i] = known;
                if (known.Generation != generation)
                {
                    stale.Add(i);
                }
            }
            else
            {
                statistics[i] = new InterestStatistics(_model.PriorMean, _model.PriorDeviation, -1);
                unmeasured.Add(i);
            }
        }
        // Interests on the prior first, then stale ones; the rest wait for later runs with what they have.
        var measure = ready ? unmeasured.Concat(stale).Take(options.CalibrationMeasuresPerRun).ToList() : [];
        if (measure.Count > 0)
        {
            // Interests that score alike against any message have the same statistics: one of each is measured.
            var first = InterestTwins.FirstOf(index, measure);
            // Where each first twin's measurement lands among the measured ones.
            var slot = new int[measure.Count];
            var distinct = new List<int>();
            for (var k = 0; k < measure.Count; k++)
            {
                if (first[k] == k)
                {
                    slot[k] = distinct.Count;
                    distinct.Add(measure[k]);
                }
            }
            var measured = Measure(index.Subset(distinct), generation);
            for (var k = 0; k < measure.Count; k++)
            {
                var statisticsOfTwin = measured[slot[first[k]]];
                statistics[measure[k]] = statisticsOfTwin;
                _statistics.AddOrUpdate(index.Interests[measure[k]], statisticsOfTwin);
            }
        }
        var calibration = new InterestCalibration(_model, statistics);
        _calibrations.AddOrUpdate(index, calibration);
        return calibration;
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
