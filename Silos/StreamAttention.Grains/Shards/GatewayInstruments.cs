using System.Diagnostics.Metrics;

namespace StreamAttention.Grains.Shards;

/// <summary>
/// Instruments of the scoring gateway on meter "StreamAttention": what enters scoring and what comes out, whichever
/// path (HTTP, stream ingest) sent it; the dashboard's throughput and latency read them.
/// </summary>
public sealed class GatewayMetrics
{
    public const string MessagesName = "streamattention.gateway.messages";
    public const string MatchesName = "streamattention.gateway.matches";
    public const string DurationName = "streamattention.gateway.duration";

    public GatewayMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(StreamAttention.Scoring.ScoringMetrics.MeterName);
        Messages = meter.CreateCounter<long>(MessagesName, "{message}", "Messages scored by the gateway");
        Matches = meter.CreateCounter<long>(MatchesName, "{match}", "(message, user interest) matches the gateway delivered to users' histories and the live feed");
        Duration = meter.CreateHistogram<double>(DurationName, "ms", "Time from a batch's arrival at the gateway until its matches are delivered: embedding, shards, histories");
    }

    public Counter<long> Messages { get; }

    public Counter<long> Matches { get; }

    public Histogram<double> Duration { get; }
}
