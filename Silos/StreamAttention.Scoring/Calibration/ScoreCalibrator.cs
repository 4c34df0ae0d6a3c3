using System.Runtime.CompilerServices;
using StreamAttention.Contracts;
using StreamAttention.Embeddings;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring.Calibration;

/// <summary>
/// Keeps the scorer's calibration (one per scorer, so one per silo): the background sample of the messages it scored,
/// and each interest's statistics against it, measured when the interest first appears in an index and again, at most
/// <see cref="ScoringOptions.CalibrationRefreshPerRun"/> interests per run, after the background moved on by
/// <see cref="ScoringOptions.CalibrationRefreshMessages"/> messages. Statistics are kept per interest definition (by
/// reference), so a silo index rebuilt because one shard changed measures only that shard's new interests. Until the
/// background holds <see cref="ScoringOptions.MinBackgroundMessages"/> messages, interests use the model's prior.
/// Not thread-safe: called under the scorer's lock.
/// </summary>
public sealed class ScoreCalibrator(ScoringOptions options, Func<TokenBatch, InterestIndex, List<RowMatch>> scoreAllPairs)
{
    /// <summary>Background messages per measuring run: bounds the pairs (and their matches) held at once.</summary>
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
        if (_calibrations.TryGetValue(index, out var cached) && cached.Statistics.All(s => s.Generation == generation))
        {
            return cached;
        }
        var statistics = new InterestStatistics[index.Count];
        var measure = new List<int>();
        var refreshes = options.CalibrationRefreshPerRun;
        for (var i = 0; i < index.Count; i++)
        {
            if (!_statistics.TryGetValue(index.Interests[i], out var known) || (ready && known.Generation == -1))
            {
                // New, or measured on the prior only: measured now whatever the refresh budget.
                known = null;
            }
            else if (known.Generation != generation && refreshes > 0)
            {
                refreshes--;
                known = null;
            }
            if (known is null && ready)
            {
                measure.Add(i);
            }
            statistics[i] = known ?? new InterestStatistics(_model.PriorMean, _model.PriorDeviation, -1);
        }
        if (measure.Count > 0)
        {
            var measured = Measure(index.Subset(measure), generation);
            for (var k = 0; k < measure.Count; k++)
            {
                statistics[measure[k]] = measured[k];
                _statistics.AddOrUpdate(index.Interests[measure[k]], measured[k]);
            }
        }
        var calibration = new InterestCalibration(_model, statistics);
        _calibrations.AddOrUpdate(index, calibration);
        return calibration;
    }

    /// <summary>Every interest's raw scores against the whole background: its mean and deviation.</summary>
    private InterestStatistics[] Measure(InterestIndex interests, long generation)
    {
        var background = _background.Batch();
        var sums = new double[interests.Count];
        var squares = new double[interests.Count];
        for (var start = 0; start < background.Count; start += MessagesPerMeasure)
        {
            var rows = Enumerable.Range(start, Math.Min(MessagesPerMeasure, background.Count - start)).Select(m => background.Row(m)).ToArray();
            foreach (var pair in scoreAllPairs(TokenBatch.FromRows(rows, background.Dimension), interests))
            {
                sums[pair.InterestIndex] += pair.Score;
                squares[pair.InterestIndex] += (double)pair.Score * pair.Score;
            }
        }
        var statistics = new InterestStatistics[interests.Count];
        for (var i = 0; i < statistics.Length; i++)
        {
            var (mean, deviation) = InterestStatistics.FromSums(sums[i], squares[i], background.Count);
            statistics[i] = new InterestStatistics(mean, deviation, generation);
        }
        return statistics;
    }
}
