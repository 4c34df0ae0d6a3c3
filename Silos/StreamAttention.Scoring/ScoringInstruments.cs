using System.Diagnostics.Metrics;

namespace StreamAttention.Scoring;

/// <summary>Instruments of the scoring core, on the meter "StreamAttention" (one static meter, like Orleans' own).</summary>
public static class ScoringMetrics
{
    public const string MeterName = "StreamAttention";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Message × interest pairs scored by the prefilter.</summary>
    public static readonly Counter<long> Pairs = Meter.CreateCounter<long>("streamattention.scoring.pairs", description: "Message-interest pairs scored by the prefilter (stage 1).");

    /// <summary>Pairs that reached cross-attention (stage 2); the rest were pruned by stage 1.</summary>
    public static readonly Counter<long> CandidatePairs = Meter.CreateCounter<long>("streamattention.scoring.candidate_pairs", description: "Pairs sent to cross-attention (stage 2).");

    public static readonly Counter<long> Matches = Meter.CreateCounter<long>("streamattention.scoring.matches", description: "Pairs that reached their threshold.");

    /// <summary>Wall time of one ONNX run, tagged stage=prefilter|cross_attention.</summary>
    public static readonly Histogram<double> RunDuration = Meter.CreateHistogram<double>("streamattention.scoring.run.duration", unit: "ms", description: "Duration of one ONNX scoring run.");
}
