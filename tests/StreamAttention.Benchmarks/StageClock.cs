using System.Diagnostics.Metrics;
using StreamAttention.Contracts.Diagnostics;

namespace StreamAttention.Benchmarks;

/// <summary>Sums the scorer's timed runs by stage (candidate generation vs attention) and its candidate share, through its metrics.</summary>
internal sealed class StageClock : IDisposable
{
    private readonly MeterListener _listener = new();
    private double _candidates, _attention;
    private long _pairs, _candidatePairs;

    public StageClock()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == InstrumentNames.Meter
                && instrument.Name is InstrumentNames.ScoringRunDuration or InstrumentNames.ScoringPairs or InstrumentNames.ScoringCandidatePairs)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            // prefilter (per-pair engine) and candidates (shared words) are candidate generation; the rest attention.
            if (tags[0].Value is "prefilter" or "candidates")
            {
                _candidates += value;
            }
            else
            {
                _attention += value;
            }
        });
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == InstrumentNames.ScoringPairs)
            {
                _pairs += value;
            }
            else if (instrument.Name == InstrumentNames.ScoringCandidatePairs)
            {
                _candidatePairs += value;
            }
        });
        _listener.Start();
    }

    public void Reset() => (_candidates, _attention, _pairs, _candidatePairs) = (0, 0, 0, 0);

    /// <summary>Mean candidate-generation and attention milliseconds per run, and the share of pairs that were candidates.</summary>
    public (double Candidates, double Attention, double Share) Take(int runs)
        => (_candidates / runs, _attention / runs, (double)_candidatePairs / Math.Max(1, _pairs));

    public void Dispose() => _listener.Dispose();
}
