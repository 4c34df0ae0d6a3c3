using System.Diagnostics.Metrics;
using StreamAttention.Contracts.Diagnostics;

namespace StreamAttention.Scoring;

/// <summary>
/// Instruments of the scoring core, on <see cref="StreamAttention.Contracts.Diagnostics.InstrumentNames.Meter"/>. Static (one meter, like Orleans' own), because
/// the scorer is also built outside any container (the offline commands, benchmarks).
/// </summary>
public static class ScoringInstruments
{
    private static readonly Meter Meter = new(InstrumentNames.Meter);

    /// <summary>Message × interest pairs scored by the prefilter.</summary>
    public static readonly Counter<long> Pairs = Meter.CreateCounter<long>(InstrumentNames.ScoringPairs, description: "Message-interest pairs scored by the prefilter (stage 1).");

    /// <summary>Pairs that reached cross-attention (stage 2); the rest were pruned by stage 1.</summary>
    public static readonly Counter<long> CandidatePairs = Meter.CreateCounter<long>(InstrumentNames.ScoringCandidatePairs, description: "Pairs sent to cross-attention (stage 2).");

    /// <summary>Pairs scored on contextual vectors by the cascade or contextual tier (<see cref="Cascade.TieredScorer"/>).</summary>
    public static readonly Counter<long> RescoredPairs = Meter.CreateCounter<long>(InstrumentNames.ScoringRescoredPairs, description: "Pairs scored on contextual vectors (cascade and contextual tiers).");

    /// <summary>Messages run through the contextual model by the cascade or contextual tier.</summary>
    public static readonly Counter<long> RescoredMessages = Meter.CreateCounter<long>(InstrumentNames.ScoringRescoredMessages, description: "Messages run through the contextual model (cascade and contextual tiers).");

    /// <summary>Cascade: messages with a pair near its threshold that the message budget (<see cref="Cascade.CascadeBudget"/>) left to their fast scores.</summary>
    public static readonly Counter<long> OverBudgetMessages = Meter.CreateCounter<long>(InstrumentNames.ScoringOverBudgetMessages, description: "Cascade messages near a threshold left to the fast tier by the message budget.");

    /// <summary>Cascade: messages of runs that started with the load budget (<see cref="Cascade.ModelTimeBudget"/>) empty, scored by the fast tier alone.</summary>
    public static readonly Counter<long> FastOnlyMessages = Meter.CreateCounter<long>(InstrumentNames.ScoringFastOnlyMessages, description: "Cascade messages scored by the fast tier alone while the load budget was empty.");

    /// <summary>Cascade: pairs of rescored messages that <see cref="Options.ScoringOptions.CascadeMaxPairsPerMessage"/> left to their fast scores.</summary>
    public static readonly Counter<long> OverCapPairs = Meter.CreateCounter<long>(InstrumentNames.ScoringOverCapPairs, description: "Cascade pairs within the pair margin left to the fast tier by the cap on pairs per message.");

    public static readonly Counter<long> Matches = Meter.CreateCounter<long>(InstrumentNames.ScoringMatches, description: "Pairs that reached their threshold.");

    /// <summary>Wall time of one ONNX run, tagged stage=prefilter|cross_attention.</summary>
    public static readonly Histogram<double> RunDuration = Meter.CreateHistogram<double>(InstrumentNames.ScoringRunDuration, unit: "ms", description: "Duration of one ONNX scoring run.");
}
